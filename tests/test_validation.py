"""resnet_lib.validation: one error type per kind of mistake, one wording (parameter, value, what is allowed)."""

import math

import pytest
import torch
import torch.nn as nn

from resnet_lib import validation as v


@pytest.mark.parametrize("check, args, error, match", [
    (v.check_bool, ("flag", "yes"), TypeError, r"flag must be True or False, got flag='yes' \(str\)"),
    (v.check_bool, ("flag", 1), TypeError, r"flag must be True or False, got flag=1 \(int\)"),
    (v.check_int, ("n", 2.0), TypeError, r"n must be an int, got n=2.0 \(float\)"),
    (v.check_int, ("n", True), TypeError, r"n must be an int, got n=True \(bool\)"),
    (v.check_int, ("n", 5, 0, 4), ValueError, r"n must be an int in \[0, 4\], got n=5"),
    (v.check_positive_int, ("width", 0), ValueError, r"width must be a positive int, got width=0"),
    (v.check_positive_int, ("width", "8"), TypeError, r"width must be a positive int, got width='8' \(str\)"),
    (v.check_positive, ("lr", 0), ValueError, r"lr must be a finite number above 0, got lr=0"),
    (v.check_positive, ("lr", math.nan), ValueError, r"lr must be a finite number above 0, got lr=nan"),
    (v.check_number, ("p", 1.0, 0.0, 1.0), None, None),
    (v.check_choice, ("unit", "pre", ("full", "original")), ValueError,
     r"unit must be one of 'full', 'original', got unit='pre'"),
    (v.check_choice, ("depth", True, (1, 2)), ValueError, r"depth must be one of 1, 2, got depth=True"),
    (v.check_callable, ("norm_layer", "bn", "nn.BatchNorm2d"), TypeError,
     r"norm_layer must be a callable such as nn.BatchNorm2d, got norm_layer='bn' \(str\)"),
    (v.check_module, ("model", "resnet"), TypeError, r"model must be a torch.nn.Module, got model of type str"),
    (v.check_tensor, ("x", torch.zeros(3), 4), ValueError, r"x must be a 4-D tensor, got x of shape \(3,\)"),
    (v.check_tensor, ("x", [1, 2]), TypeError, r"x must be a torch.Tensor, got x of type list"),
])
def test_each_mistake_has_one_error_type_and_says_what_is_allowed(check, args, error, match) -> None:
    if error is None:
        assert check(*args) == args[1]
        return
    with pytest.raises(error, match=match):
        check(*args)


def test_checks_return_the_accepted_value() -> None:
    assert v.check_bool("f", False) is False
    assert v.check_optional_bool("f", None) is None
    assert v.check_positive_int("n", 3) == 3
    assert v.check_choice("s", "A", ("A", "B")) == "A"
    assert v.check_callable("f", nn.Identity, "nn.Identity") is nn.Identity
    with pytest.raises(ValueError, match=r"p must be a finite number in \[0.0, 1.0\), got p=1.0"):
        v.check_number("p", 1.0, 0.0, 1.0, high_inclusive=False)


def test_check_images_names_the_two_common_mistakes() -> None:
    with pytest.raises(ValueError, match=r"4-D batch .*for one image use x.unsqueeze\(0\)"):
        v.check_images(torch.zeros(3, 8, 8), 3)
    with pytest.raises(ValueError, match=r"input must have in_channels=1 channels, got 3"):
        v.check_images(torch.zeros(1, 3, 8, 8), 1)
