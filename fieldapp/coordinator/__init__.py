"""The coordinator's workspace (issue 7): the merged picture, linked cases, referral follow-up,
statistics and exports, retention. Each part lives in its own package (``fieldapp.links``,
``fieldapp.stats``, ``fieldapp.exports``, ``fieldapp.retention``, ``fieldapp.followup``);
this package holds what they share: the command-line wiring."""
