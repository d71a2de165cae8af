"""The coordinator's workspace on the desktop: one window of tabs, each built on first show
(``tabs.TABS``). The work is done by the core's feature packages ``fieldapp.links``,
``fieldapp.stats``, ``fieldapp.exports``, ``fieldapp.retention`` and ``fieldapp.followup``."""
