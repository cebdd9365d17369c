"""Sizes in pixels: how big a layer's output is, and how much of the input one output pixel sees.

Two formulas every convolutional net is designed with. The output size decides where a network's maps halve
(224 -> 112 -> 56 ...) and when a small input would shrink to nothing; the receptive field is VGG's argument for
stacks of 3x3 convolutions and the reason deep nets see whole objects. ``output_size`` is the library's one
implementation: the model builders import it from here (this module imports nothing from ``models``).
"""
from __future__ import annotations

from collections.abc import Sequence

from ..validation import check_int, check_positive_int

__all__ = ["output_size", "receptive_field"]


def output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Output length of a convolution or pooling along one axis, as ``nn.Conv2d`` and ``nn.MaxPool2d`` compute it:
    ``floor((size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1``.

    The floor is why odd sizes lose a pixel when halved (7 -> 4 with padding 1, but 7 -> 3 without). A kernel
    wider than the padded input is refused with a ``ValueError``: PyTorch would fail there too.
    """
    check_positive_int("size", size)
    check_positive_int("kernel_size", kernel_size)
    check_positive_int("stride", stride)
    check_int("padding", padding, minimum=0)
    check_positive_int("dilation", dilation)
    span = dilation * (kernel_size - 1) + 1
    if span > size + 2 * padding:
        raise ValueError(
            f"the kernel spans {span} pixels (kernel_size={kernel_size}, dilation={dilation}) but the "
            f"padded input has only {size + 2 * padding} (size={size}, padding={padding}); "
            "the output would be empty, so use a smaller kernel or more padding"
        )
    return (size + 2 * padding - span) // stride + 1


def receptive_field(layers: Sequence[Sequence[int]]) -> int:
    """Receptive field (in input pixels) of a stack of ``(kernel_size, stride[, dilation])`` layers.

    Each layer widens the field by ``dilation*(kernel_size-1)`` times the product of the strides before it:
    two 3x3 convs see 5x5, three see 7x7 with fewer weights (VGG's argument).
    """
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(
            "layers must be a list of (kernel_size, stride) or (kernel_size, stride, dilation) tuples, "
            f"got layers={layers!r}"
        )
    field, jump = 1, 1
    for index, layer in enumerate(layers):
        if isinstance(layer, (str, bytes)) or not isinstance(layer, Sequence):
            raise TypeError(f"each entry of layers must be a tuple of ints, got layers[{index}]={layer!r}")
        if len(layer) not in (2, 3):
            raise ValueError(
                "each entry of layers must be (kernel_size, stride) or (kernel_size, stride, dilation), "
                f"got layers[{index}]={layer!r}"
            )
        kernel_size, stride, dilation = (*layer, 1) if len(layer) == 2 else layer
        check_positive_int(f"layers[{index}] kernel_size", kernel_size)
        check_positive_int(f"layers[{index}] stride", stride)
        check_positive_int(f"layers[{index}] dilation", dilation)
        field += dilation * (kernel_size - 1) * jump
        jump *= stride
    return field
