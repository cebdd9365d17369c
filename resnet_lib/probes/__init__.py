"""Probes: look inside a network from the outside.

Every probe attaches forward hooks (or reads parameters) and cleans up after itself, so any model works
unchanged: the book's own nets, torchvision's ResNets or a hand-written ``nn.Sequential``. A probe never leaves
gradients, hooks, changed BatchNorm statistics or a changed train/eval mode behind.

One concept per module; every public name is re-exported here, so ``probes.lesion(...)`` and
``from resnet_lib.probes import lesion`` both work:

- ``hooks``       attaching hooks, the untouched-model context, finding weighted layers and stages
- ``signals``     gradient norms (of weights and of layer outputs) and activation statistics
- ``counting``    parameters, FLOPs and multiply-adds, per layer and per stage (the paper's Table 1)
- ``geometry``    output sizes and receptive fields
- ``shattering``  shattered gradients: input gradients of 1-D nets and their autocorrelation
- ``ensembles``   residual nets as ensembles of paths: blocks, lesions, path lengths
- ``landscape``   loss along filter-normalised random directions
"""
from . import counting, ensembles, geometry, hooks, landscape, shattering, signals
from .counting import count_parameters, flops, layer_table, macs, stages
from .ensembles import blocks, lesion, path_length_distribution
from .geometry import output_size, receptive_field
from .hooks import HookFn, batches, device_of, forward_hooks, stage_modules, untouched, weighted_layers
from .landscape import filter_normalized_direction, loss_slice, loss_surface
from .shattering import autocorrelation, gradient_autocorrelation, input_gradients
from .signals import activation_stats, gradient_norms, output_gradient_norms

__all__ = [
    *hooks.__all__,
    *signals.__all__,
    *counting.__all__,
    *geometry.__all__,
    *shattering.__all__,
    *ensembles.__all__,
    *landscape.__all__,
]
