"""The referral flow on the desktop: choose, see what goes and what stays out, make, preview,
export; and the list of every referral in the vault."""
