"""resnet_lib: the small library behind the book "ResNet from the ground up".

One concept per module:

- ``profile``  quick (CPU) / full (GPU) sizes, device, seeding, threads
- ``data``     Fashion-MNIST and CIFAR-10 as tensors on the training device
- ``models``   AlexNet, VGG, ResNet (ImageNet), CIFAR ResNets and plain twins, pre-activation nets
- ``train``    ``fit()``: the one training loop of the book
- ``probes``   gradients, activations, counts, FLOPs, receptive fields, lesions
- ``plots``    the figures every chapter draws
- ``widgets``  small interactive explorers with a static fallback
"""

__version__ = "0.1.0"
