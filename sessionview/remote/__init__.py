"""Sessions on other machines, over the user's own `ssh`.

The host that owns the files runs `sessionview serve --stdio` (the same store code as
locally: listing, liveness, tailing, actions); this side starts it through `ssh`, speaks
the JSON-lines protocol of PROTOCOL.md with it and merges its rows into one list.
Nothing here imports Textual.
"""
