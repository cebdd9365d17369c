"""What only the book's pages need: nothing in training, models or probes imports from here.

- ``glue``     numbers from outputs into the prose (myst-nb's glue; a no-op in Colab)
- ``claims``   ``claim()``: the hidden check behind a sentence, with a name and a statement the ledger lists
- ``source``   library code shown on the page, so it cannot drift from what runs
- ``tables``   tables a chapter prints (Table 1 of the paper, runs over seeds)
- ``results``  the book's results read back: committed long runs and other chapters' numbers
"""
