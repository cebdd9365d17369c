#!/usr/bin/env python3
"""Write a small synthetic CIFAR-10 in the real `cifar-10-batches-py` pickle layout (for the dry run, offline).

    python tools/synthetic_cifar.py DIR [--images-per-batch N]

DIR/cifar-10-batches-py/ gets data_batch_1..5, test_batch and batches.meta, as the real archive has them, so
`RESNET_BOOK_DATA=DIR` makes `resnet_lib.data.find_cifar10` and `load_dataset("cifar10")` read it unchanged.
`tools/dryrun.py` writes one into a temporary folder by itself; this is for running a chapter by hand:

    RESNET_BOOK_PROFILE=full RESNET_BOOK_DATA=DIR jupyter lab chapters/

and, for a dry run, `from resnet_lib import budget; budget.install(dry_run=True)` after the chapter's setup cell.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resnet_lib.data import write_synthetic_cifar10  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--images-per-batch", type=int, default=200)
    args = parser.parse_args(argv)
    try:
        folder = write_synthetic_cifar10(args.folder, images_per_batch=args.images_per_batch)
    except ValueError as error:
        parser.error(str(error).replace("images_per_batch", "--images-per-batch"))
    print(f"synthetic CIFAR-10 written to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
