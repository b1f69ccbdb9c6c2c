"""``maintcheck fix``: apply findings' fixes to a Pulumi Python program and prove them.

    scan (engine.scan) -> each finding's first applicable Fix -> edits (libcst in the program,
    or the stack config file when the value comes from ``pulumi.Config``) -> rescan of the
    edited copy under mocks -> a verdict per finding (gone, or still present and reverted)

``edits`` finds the user's constructor call at the recorded source line and turns a fix's
patch operations into edits of keyword arguments, nested ``…Args(...)`` objects, dicts and
lists; ``config_edits`` follows values to ``pulumi.Config`` reads and edits the stack file;
``plan`` checks that edits shared by several resources agree; ``apply`` runs it all on a copy
of the project and writes only what the rescan proved. libcst is imported only here.
"""
