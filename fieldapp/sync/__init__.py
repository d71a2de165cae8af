"""Sync by file: enrolment, signed and encrypted bundles, export on a field device and import
on the coordinator's. Field devices never touch a network; bundles travel on a USB stick.

keys.py     the vault's own keys (Ed25519; a coordinator's age identity) and fingerprints
cards.py    coordinator card, enrolment request, signed acknowledgement, revocation
bundle.py   the bundle format: age header checks, plaintext layout, manifest, records
export.py   field side: everything changed since the last successful export, as one bundle
import_.py  coordinator side: every check first, then one transaction per bundle
"""
