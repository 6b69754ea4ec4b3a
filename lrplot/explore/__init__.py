"""`lrplot explore`: an interactive schedule explorer in the terminal (Textual).

The explorer is a thin view over the library: its state (:mod:`.state`) is a list of
schedules, each a name and the raw text of its fields, plus the run's fields; every
redraw hands that text to :func:`lrplot.compare` and shows what comes back. The
fields are generated from the declared parameters, as the CLI's options are, and
their errors are the CLI's messages. :mod:`.session` turns a state into the
``lrplot`` command and the config file that reproduce it.

Only :mod:`.app` and :mod:`.widgets` import Textual (the optional extra
``lrplot[explore]``); nothing else in lrplot imports this package's app.
"""
