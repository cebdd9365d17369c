#!/usr/bin/env bash
# Make sure the quick profile's data (Fashion-MNIST) is here; CIFAR-10 is for the full profile (Colab).
# Order: already found -> Debian package (where apt-get runs as root) -> torchvision download -> clear message.
set -u
PY=${PY:-.venv/bin/python}
find_it() { "$PY" -c "from resnet_lib.data import find_fashion_mnist; find_fashion_mnist(download=$1)" "${@:2}"; }
find_it False >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  bash "$(dirname "$0")/system_deps.sh" dataset-fashion-mnist && find_it False >/dev/null 2>&1 && exit 0
fi
echo "Fashion-MNIST not found: trying torchvision's download"
find_it True >/dev/null 2>&1 && exit 0
find_it False 2>&1 | tail -n 3   # the loader's message says how to get it
exit 1
