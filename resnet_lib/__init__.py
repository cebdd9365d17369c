"""resnet_lib: the small library behind the book "ResNet from the ground up".

The folders draw the architecture. The core, at the top level, knows nothing of pages:

- ``profile``     quick (CPU) / full (GPU) sizes, device, seeding (and the seed offset), threads
- ``data``        Fashion-MNIST and CIFAR-10 as tensors on the training device
- ``train``       ``fit()``: the one training loop of the book
- ``validation``  the argument checks every module uses
- ``budget``      planned training compute, and the GPU profile's dry run

Then the rooms, by role:

- ``models/``     AlexNet, VGG, ResNet (ImageNet), CIFAR ResNets and plain twins, pre-activation nets
- ``probes/``     looking inside a net from outside: signals, counts, geometry, lesions, landscape, memory, Grad-CAM
- ``figures/``    plots, block diagrams, explorers
- ``book/``       what only pages need: glue, claims, source shown on the page, tables, results read back

and two commands: ``python -m resnet_lib.reproduce`` (the papers' recipes) and ``python -m resnet_lib.bench``.
"""

__version__ = "0.1.0"
