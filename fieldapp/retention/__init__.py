"""Retention (AVG/GDPR storage limitation): how long each kind of record is kept
(``policy``), and the purge that erases what is past its period (``purge``)."""
