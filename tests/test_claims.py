"""claim(): the hidden check behind a sentence, and the seed offset the robustness tool uses."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from resnet_lib import profile
from resnet_lib.book import claims
from resnet_lib.book.claims import ClaimError, claim, cited, records_from_notebook


def test_a_claim_that_holds_is_recorded_with_its_value():
    claim("t-holds", "Two is above one", np.float32(2.0), above=1.0, unit="x")
    record = claims.RECORDS[-1]
    assert record["name"] == "t-holds" and record["value"] == 2.0 and record["holds"] is True
    assert record["thresholds"] == {"above": 1.0}


@pytest.mark.parametrize("kwargs", [dict(above=2.0), dict(below=2.0), dict(at_least=2.5), dict(at_most=1.5),
                                    dict(equals=1.0), dict(above=1.0, below=1.5)])
def test_a_claim_that_fails_raises_with_name_value_and_threshold(kwargs):
    with pytest.raises(ClaimError, match=r"t-fails.*Measured 2\.0"):
        claim("t-fails", "A statement", 2.0, **kwargs)


def test_nan_never_holds_and_record_mode_does_not_raise(monkeypatch):
    with pytest.raises(ClaimError):
        claim("t-nan", "Finite", float("nan"), below=1.0)
    monkeypatch.setenv(claims.MODE_VARIABLE, "record")
    claim("t-record", "Recorded", 5.0, below=1.0)
    assert claims.RECORDS[-1]["holds"] is False


def test_a_one_element_tensor_and_a_bool_are_values():
    claim("t-tensor", "A tensor", torch.tensor([3.0]), at_least=3.0)
    claim("t-bool", "A bool", True, equals=True)
    assert [r["holds"] for r in claims.RECORDS[-2:]] == [True, True]


@pytest.mark.parametrize("args, kwargs, error, text", [
    (("Bad Name", "s", 1.0), dict(above=0), ValueError, "name must be lower-case"),
    (("t-x", "", 1.0), dict(above=0), ValueError, "statement must be one non-empty line"),
    (("t-x", "s", "1.0"), dict(above=0), TypeError, "value must be a number"),
    (("t-x", "s", torch.ones(2)), dict(above=0), ValueError, "one-element tensor"),
    (("t-x", "s", 1.0), dict(), ValueError, "needs a threshold"),
    (("t-x", "s", 1.0), dict(equals=1, above=0), ValueError, "cannot be combined"),
])
def test_bad_arguments_name_the_parameter(args, kwargs, error, text):
    with pytest.raises(error, match=text):
        claim(*args, **kwargs)


def test_records_come_back_from_a_notebooks_output_metadata():
    record = dict(name="t-nb", value=1.0, holds=True)
    nb = {"cells": [{"cell_type": "markdown", "source": ""},
                    {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {"text/plain": "claim t-nb"},
                                                       "metadata": {claims.METADATA_KEY: record}}]}]}
    assert records_from_notebook(nb) == [dict(record, cell=1)]
    cited("t-cited", "The paper says so", "He et al. 2016, Table 6")
    assert claims.RECORDS[-1]["kind"] == "cited"


def test_the_seed_offset_moves_every_seeded_draw(monkeypatch):
    profile.seed_everything(3)
    base_weights, base_draw = torch.randn(4), torch.randn(4, generator=profile.generator(3))
    monkeypatch.setenv(profile.SEED_OFFSET_VARIABLE, "1")
    profile.seed_everything(3)
    assert not torch.equal(torch.randn(4), base_weights)
    assert not torch.equal(torch.randn(4, generator=profile.generator(3)), base_draw)
    profile.seed_everything(2)  # offset 1 on seed 2 is seed 3
    assert torch.equal(torch.randn(4), base_weights)
    assert profile.offset_seed(np.int64(2)) == 3


def test_a_bad_seed_offset_is_refused(monkeypatch):
    monkeypatch.setenv(profile.SEED_OFFSET_VARIABLE, "-1")
    with pytest.raises(ValueError, match="RESNET_BOOK_SEED_OFFSET must be a non-negative integer"):
        profile.seed_offset()


def test_the_ledger_writes_numbers_as_a_reader_does():
    from resnet_lib.book.claims import _number_text

    values = (1.66e6, 12345.0, 0.0801, 2.5512e8 + 0.5, 11689512, 7.97e-11, 3, True, None, -1, -0.8)
    assert [_number_text(v).replace("\u00a0", " ") for v in values] == [
        "1,660,000", "12,345", "0.0801", "2.55 × 10⁸", "11,689,512", "7.97 × 10⁻¹¹", "3", "yes", "–", "−1", "−0.8"]


def test_the_ledger_judges_every_run_by_the_current_threshold():
    from resnet_lib.book.claims import ledger_rows

    record = dict(name="t-l", statement="S", value=5.0, thresholds={"above": 4.0}, unit="", paper="", kind="measured",
                  fingerprint="f")
    runs = [dict(kernels="default", offset=o, claims=[dict(name="t-l", value=v, holds=False)])
            for o, v in enumerate((5.0, 4.5, 3.0))]
    (row,) = ledger_rows({"c": {"title": "C", "claims": [record]}}, {"c": {"runs": runs}})
    assert row["seeds"] == "2/3" and row["spread"] == "3 to 5" and not row["holds_everywhere"]


def test_e_notation_becomes_a_power_of_ten_on_one_line():
    from resnet_lib.book.numbers import NBSP, from_e_notation, scientific

    assert from_e_notation("8.0e-11") == f"8.0{NBSP}×{NBSP}10⁻¹¹"
    assert from_e_notation("1e+12") == "10¹²"
    assert from_e_notation("-3.3e+04") == f"−3.3{NBSP}×{NBSP}10⁴"
    assert from_e_notation("0.41") == "0.41" and from_e_notation("ResNet-1e3") == "ResNet-1e3"
    assert scientific(0.000123, digits=2) == f"1.2{NBSP}×{NBSP}10⁻⁴"
