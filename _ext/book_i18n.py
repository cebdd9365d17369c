"""The book's own Sphinx extension for its translated editions (issue 17), loaded by both editions.

Three jobs, each small:

1. **Glue inside translated paragraphs.** Sphinx translates a page by parsing each translated message (one
   paragraph, table cell or caption) as a small document of its own. myst-nb keeps a notebook's glue data on the
   page's document only while it parses that page, so a ``{glue:text}`` or ``{glue:md}`` role (or a glue directive)
   inside a translated message finds no data: "No key ... found in glue data for this document", and the number
   disappears. This extension keeps the notebook renderer of the page being read and lends it to the page's
   translated messages, so the roles find the same data as in the English page. It patches two functions of myst-nb
   and is tested against the pinned version (``MYST_NB_TESTED``, tests/test_translations.py).
2. **Code outputs stay out of the catalogues.** Tables and text printed by code cells, or pasted by a glue
   directive (``{glue:md}`` as a block), would otherwise become messages whose ids change on every re-execution.
   They are marked untranslatable (figure captions excepted: they are prose), and so is display math.
3. **A language switcher.** Every page links to its twin in the other edition (``book_i18n_twin`` in the config:
   the relative path from one edition's root to the other's, and the twin's language), top right of the article,
   plus ``<link rel="alternate" hreflang>`` for search engines. A page of a translated edition that is not
   translated yet (``book_i18n_pending``) says so above its English text (``book_i18n_pending_note``).
"""
from __future__ import annotations

import html
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

import myst_nb
import myst_nb.sphinx_ as nb_sphinx

MYST_NB_TESTED = "1.4.0"

# docname -> notebook renderer of the page being read (only the latest page is kept).
_RENDERERS: dict[str, Any] = {}
_APP: Sphinx | None = None


def _keep_renderer(load_renderer):
    """Wrap myst_nb's load_renderer so that the renderer made for a page is remembered under the page's name."""

    def load(name: str):
        cls = load_renderer(name)

        def create(*args, **kwargs):
            renderer = cls(*args, **kwargs)
            _RENDERERS.clear()
            if _APP is not None and _APP.env is not None and _APP.env.docname:
                _RENDERERS[_APP.env.docname] = renderer
            return renderer

        return create

    load._book_i18n = True
    return load


def _lend_renderer(parse):
    """Wrap myst_nb's Parser.parse: a translated message of a notebook page gets that page's renderer."""

    def parse_with_glue(self, inputstring, document):
        env = getattr(document.settings, "env", None)
        source = getattr(document, "current_source", "") or ""
        renderer = _RENDERERS.get(env.docname) if env is not None else None
        if not source.endswith("<translated>") or renderer is None or "nb_renderer" in document:
            return parse(self, inputstring, document)
        document.attributes["nb_renderer"] = renderer
        try:
            return parse(self, inputstring, document)
        finally:
            document.attributes.pop("nb_renderer", None)

    parse_with_glue._book_i18n = True
    return parse_with_glue


def _untranslatable(roots) -> None:
    for root in roots:
        if not isinstance(root, nodes.Node):
            continue
        for node in root.findall(nodes.TextElement):
            if not isinstance(node, (nodes.caption, nodes.legend)) and not _inside_caption(node):
                node["translatable"] = False


def _pasted_blocks_untranslatable(directive_class) -> None:
    """Wrap a glue directive's run(): what it pastes is output, not prose."""
    run = directive_class.run
    if getattr(run, "_book_i18n", False):
        return

    def run_untranslatable(self):
        result = run(self)
        _untranslatable(result)
        return result

    run_untranslatable._book_i18n = True
    directive_class.run = run_untranslatable


class OutputsAreNotMessages(SphinxTransform):
    """Mark the text of code cells' outputs and display math untranslatable (before Sphinx's Locale transform, 20).

    A figure's caption (cell metadata ``mystnb: figure: caption``) sits inside the output but is prose: it stays a
    message. Display math is the same in every language: it is no message either.
    """

    default_priority = 5

    def apply(self, **kwargs: Any) -> None:
        for container in self.document.findall(nodes.container):
            if container.get("nb_element") == "cell_code_output" or "cell_output" in container.get("classes", []):
                _untranslatable([container])
        for node in self.document.findall(nodes.math_block):
            node["translatable"] = False


def _inside_caption(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, (nodes.caption, nodes.legend)):
            return True
        parent = parent.parent
    return False


def _twin_link(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    twin = app.config.book_i18n_twin
    if not twin or pagename not in app.env.found_docs:
        return
    prefix = "../" * pagename.count("/")
    href = f"{prefix}{twin['root']}{pagename}.html"
    lang, label = html.escape(twin["lang"]), html.escape(twin["label"])
    link = (f'<div class="language-switch"><a class="twin-link" href="{html.escape(href)}" hreflang="{lang}" '
            f'lang="{lang}">{label}</a></div>\n')
    if pagename in app.config.book_i18n_pending:
        note = html.escape(app.config.book_i18n_pending_note)
        link += f'<div class="admonition note translation-pending"><p>{note}</p></div>\n'
    if app.config.book_i18n_notebook_note and str(app.env.doc2path(pagename)).endswith(".ipynb"):
        # The launch buttons open the one notebook there is, with the English prose: say so before a reader clicks.
        note = html.escape(app.config.book_i18n_notebook_note)
        link += f'<p class="notebook-language-note">{note}</p>\n'
    context["body"] = link + context.get("body", "")
    context["metatags"] = context.get("metatags", "") + (
        f'\n<link rel="alternate" hreflang="{lang}" href="{html.escape(href)}" />')


def setup(app: Sphinx) -> dict:
    global _APP
    _APP = app
    if not getattr(nb_sphinx.load_renderer, "_book_i18n", False):  # once per process
        nb_sphinx.load_renderer = _keep_renderer(nb_sphinx.load_renderer)
    if not getattr(nb_sphinx.Parser.parse, "_book_i18n", False):
        nb_sphinx.Parser.parse = _lend_renderer(nb_sphinx.Parser.parse)
    from myst_nb.ext.glue import directives as glue_directives

    for name in ("PasteAnyDirective", "PasteMarkdownDirective", "PasteMathDirective", "PasteFigureDirective"):
        _pasted_blocks_untranslatable(getattr(glue_directives, name))
    app.add_transform(OutputsAreNotMessages)
    # {"root": "zh/", "lang": "zh-CN", "label": "中文"} in the English edition, the reverse in the Chinese one.
    app.add_config_value("book_i18n_twin", {}, "html", [dict])
    # Pages of this edition whose text is still the English fallback, and the note they show.
    app.add_config_value("book_i18n_pending", [], "html", [list])
    app.add_config_value("book_i18n_pending_note", "", "html", [str])
    # A line on executed pages saying which language the notebook behind the Colab button is in ("" for none).
    app.add_config_value("book_i18n_notebook_note", "", "html", [str])
    app.connect("html-page-context", _twin_link)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True,
            "myst_nb_version": myst_nb.__version__}
