"""Practice mode on the desktop (issue 17): the practice vault beside the real one
(``practice_vault``), the cases (``cases_model``), a case's scenario beside the visit editor
(``window``) and the debrief (``debrief_view``). Thin over :mod:`fieldapp.practice`."""
