"""The coordinator's workspace on the desktop: one window of tabs, each built on first show
(``tabs.TABS``). The work is done by the core packages named in ``fieldapp.coordinator``."""
