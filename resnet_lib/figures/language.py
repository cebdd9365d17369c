"""The language of the words the library draws into its diagrams: English, or Chinese for the Chinese edition.

Both editions are built from the same executed notebooks, so without help the Chinese pages would show the
diagrams' English labels. ``tools/translations.py build`` redraws every diagram cell with ``RESNET_BOOK_LANG=zh_CN``
and puts the Chinese image in the English one's place in the Chinese HTML. Only words are translated; notation
stays as the papers write it ("BN", "ReLU", "$W_s x$", "3x3", shapes such as "C × H × W"). The Chinese terms are
the glossary's (基本块, 投影快捷连接, 零填充快捷连接, 瓶颈结构, 预激活).
"""
from __future__ import annotations

import os
import re
from functools import cache
from typing import Any

LANGUAGE_VARIABLE = "RESNET_BOOK_LANG"
LANGUAGES = ("en", "zh_CN")

# Whole labels: titles and shortcut labels of diagrams.BLOCKS, preact_diagrams.UNIT_BLOCKS and function_classes.
ZH_CN_LABELS: dict[str, str] = {
    "plain block": "普通块",
    "basic residual block": "基本残差块",
    "projection shortcut (B, C)": "投影快捷连接（B、C）",
    "zero-padding shortcut (A)": "零填充快捷连接（A）",
    "one-layer shortcut": "跨一层的快捷连接",
    "basic block, conv2_x of ResNet-34": "基本块，ResNet-34 的 conv2_x",
    "bottleneck, conv2_x of ResNet-50": "瓶颈结构，ResNet-50 的 conv2_x",
    "first block of conv2_x, ResNet-50": "ResNet-50 conv2_x 的第一个块",
    "conv3_1, paper (v1)": "conv3_1，论文（v1）",
    "conv3_1, torchvision (v1.5)": "conv3_1，torchvision（v1.5）",
    "(a) original": "(a) 原始",
    "(b) BN after addition": "(b) 相加后 BN",
    "(c) ReLU before addition": "(c) 相加前 ReLU",
    "(d) ReLU-only pre-act.": "(d) 仅 ReLU 预激活",
    "(e) full pre-activation": "(e) 完全预激活",
    "identity: x": "恒等：x",
    "identity": "恒等映射",
    "no weights": "无权重",
    "channels only": "只变通道数",
    "subsample /2\n+ C zeros": "下采样 /2\n+ C 个零通道",
    "weight": "权重层",
    "non-nested function classes": "非嵌套的函数类",
    "nested function classes": "嵌套的函数类",
}
# Words inside labels that are otherwise notation: "3x3 conv, 2C, /2" -> "3x3 卷积, 2C, /2".
ZH_CN_WORDS: dict[str, str] = {"conv": "卷积"}
# Fonts with Chinese glyphs, the first installed one is used (Debian's fonts-wqy-zenhei, then Noto).
CJK_FONTS = ("WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC")


def language() -> str:
    """The diagrams' language: ``RESNET_BOOK_LANG`` (unset: English)."""
    value = os.environ.get(LANGUAGE_VARIABLE, "").strip() or "en"
    if value not in LANGUAGES:
        raise ValueError(f"{LANGUAGE_VARIABLE} must be one of {', '.join(LANGUAGES)}, got {value!r}")
    return value


def label(text: str) -> str:
    """``text`` in the diagrams' language: a whole label from the table, else its words, else unchanged."""
    if language() == "en":
        return text
    if text in ZH_CN_LABELS:
        return ZH_CN_LABELS[text]
    for word, translation in ZH_CN_WORDS.items():
        text = re.sub(rf"\b{word}\b", translation, text)
    return text


def font() -> dict[str, Any]:
    """Keyword arguments for matplotlib text: a font with Chinese glyphs first where the language needs it."""
    return {"fontfamily": [_cjk_font(), "DejaVu Sans"]} if language() == "zh_CN" else {}


@cache
def _cjk_font() -> str:
    from matplotlib import font_manager

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    raise RuntimeError(f"Chinese labels need a font with Chinese glyphs, one of {', '.join(CJK_FONTS)}; none is "
                       "installed (Debian: apt install fonts-wqy-zenhei)")


__all__ = ["LANGUAGE_VARIABLE", "LANGUAGES", "ZH_CN_LABELS", "ZH_CN_WORDS", "language", "label", "font"]
