"""Every network of the book, built by name.

- ``alexnet``, ``vgg11`` ... ``vgg19_bn``: the pre-ResNet baselines (torchvision-compatible at the defaults)
- ``resnet18`` ... ``resnet152``: ImageNet ResNets (torchvision-compatible)
- ``cifar_resnet``, ``cifar_plain``: the CIFAR nets of depth 6n+2 and their plain twins
- ``preact_resnet``: pre-activation nets and the unit and shortcut variants of "Identity Mappings"
- ``mlp``: fully connected plain and residual stacks (the shattered-gradients experiment)

``get_model("cifar_resnet", depth=20)`` builds any of them from a name, e.g. one read from a config.
Every builder is keyword-only after the depth, and every network has timm's interface: ``forward_features``,
``forward_head(x, pre_logits=False)``, ``reset_classifier(num_classes)`` and ``feature_info``.
"""

from collections.abc import Callable

import torch.nn as nn

from ..validation import check_choice
from .alexnet import AlexNet, alexnet
from .blocks import ZeroPadShortcut, conv1x1, conv3x3
from .mlp import MLP, MLPBlock, mlp
from .cifar import CifarResNet, cifar_plain, cifar_resnet, deepen, make_identity_
from .preact import PreActResNet, PreActUnit, ScaledShortcut, preact_resnet
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50, resnet101, resnet152
from .vgg import VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn

MODELS: dict[str, Callable[..., nn.Module]] = {
    "alexnet": alexnet,
    "vgg11": vgg11,
    "vgg11_bn": vgg11_bn,
    "vgg13": vgg13,
    "vgg13_bn": vgg13_bn,
    "vgg16": vgg16,
    "vgg16_bn": vgg16_bn,
    "vgg19": vgg19,
    "vgg19_bn": vgg19_bn,
    "resnet18": resnet18,
    "resnet34": resnet34,
    "resnet50": resnet50,
    "resnet101": resnet101,
    "resnet152": resnet152,
    "cifar_resnet": cifar_resnet,
    "cifar_plain": cifar_plain,
    "preact_resnet": preact_resnet,
    "mlp": mlp,
}


def get_model(name: str, **kwargs: object) -> nn.Module:
    """Build a model from its name, so experiments can be described by plain strings and dicts."""
    check_choice("name", name, tuple(MODELS))
    return MODELS[name](**kwargs)


__all__ = [
    "MODELS",
    "get_model",
    "AlexNet",
    "VGG",
    "ResNet",
    "BasicBlock",
    "Bottleneck",
    "CifarResNet",
    "ZeroPadShortcut",
    "deepen",
    "make_identity_",
    "MLP",
    "MLPBlock",
    "PreActResNet",
    "PreActUnit",
    "ScaledShortcut",
    "conv1x1",
    "conv3x3",
    *MODELS,
]
