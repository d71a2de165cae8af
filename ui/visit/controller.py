"""What the visit editor does, without Qt: every change validated, committed to the vault at
once, remembered for undo, and the assessment recomputed from what the vault holds.

The widgets in ``ui/visit`` only collect input and show what this class returns, so tests can
drive the rules directly. Values are validated by the same functions the JSON reader uses
(``fieldapp.validate``, ``fieldapp.visit_json.person_input``), so a form and a file accept
exactly the same things. Everything runs on the GUI thread, like every use of the vault's
connection.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from fieldapp import validate as v
from fieldapp.assessment import Assessment, assess
from fieldapp.assessment.from_store import case_for_person
from fieldapp.catalogue import Catalogue
from fieldapp.clock import now_iso
from fieldapp.countries import following_languages
from fieldapp.domain import (
    Attachment,
    Evidence,
    ObservationStatus,
    Person,
    Sector,
    Site,
    Visit,
    VisitStatus,
    VisitType,
)
from fieldapp.errors import FieldAppError
from fieldapp.i18n import current_language, t
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.localtime import file_stamp, local_now, local_today
from fieldapp.store.store import MAX_ATTACHMENT_BYTES, Store
from fieldapp.visit_json import person_input
from ui.visit.undo import Change, UndoHistory

# Not recorded -> observed -> not observed -> unknown -> observed ...: one key or tap per step.
# Clearing (back to "not recorded") is a separate action, so cycling never loses a note.
STATUS_CYCLE: dict[ObservationStatus | None, ObservationStatus] = {
    None: ObservationStatus.OBSERVED,
    ObservationStatus.OBSERVED: ObservationStatus.NOT_OBSERVED,
    ObservationStatus.NOT_OBSERVED: ObservationStatus.UNKNOWN,
    ObservationStatus.UNKNOWN: ObservationStatus.OBSERVED,
}
EVIDENCE_CYCLE: tuple[Evidence | None, ...] = (None, *Evidence)

# Attachments by file name extension; the store accepts exactly these media types.
MEDIA_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heic": "image/heic",
    "pdf": "application/pdf",
}

ADDRESS_FIELDS = ("street", "number", "postcode", "place")
# The housing address's fields as the site form names them ("housing_postcode", ...).
HOUSING_FIELDS = tuple(f"housing_{name}" for name in ADDRESS_FIELDS)
SITE_FIELDS = (
    "name",
    "trade_name",
    *ADDRESS_FIELDS,
    "municipality",
    "kvk",
    "sector",
    "intermediary_name",
    "intermediary_kvk",
    *HOUSING_FIELDS,
)
VISIT_FIELDS = ("type", "notes")

Scope = str | None  # a person's uuid, or None: everyone at the visit


@dataclass(frozen=True, slots=True)
class PhotoOwner:
    """What a camera photo is kept with (``Store.add_attachment``'s owner), named for a choice
    list; ``person_uuid`` is the person it is about, if any."""

    kind: str  # "visit", "person" or "observation"
    uuid: str
    text: str
    person_uuid: str | None = None


@dataclass(frozen=True, slots=True)
class ObsState:
    """The live observation of one indicator in one scope, as the checklist shows it."""

    uuid: str
    status: ObservationStatus
    evidence: Evidence | None = None
    note: str | None = None
    past: bool = False  # it happened before the visit (last month's blow): no alarm now


def site_value(name: str, raw: Any) -> Any:
    """A site field's value as the vault stores it; raises ``ValidationError``."""
    path = f"site.{name}"
    if name in ("postcode", "housing_postcode"):
        return v.postcode(raw, path)
    if name in ("kvk", "intermediary_kvk"):
        return v.kvk_number(raw, path)
    if name == "sector":
        return v.choice(raw, path, Sector)
    if name in ("number", "housing_number"):
        return v.string(raw, path, limit=20)
    if name == "name":
        return v.string(raw, path) or ""
    if name in SITE_FIELDS:
        return v.string(raw, path)
    raise ValueError(f"not a site field: {name}")


def site_input(site: Site) -> SiteInput:
    return SiteInput(
        name=site.name,
        sector=site.sector,
        trade_name=site.trade_name,
        address=site.address,
        municipality=site.municipality,
        kvk=site.kvk,
        phones=site.phones,
        plates=site.plates,
        handles=site.handles,
        intermediary_name=site.intermediary_name,
        intermediary_kvk=site.intermediary_kvk,
        housing=site.housing,
    )


def with_site_value(site: SiteInput, name: str, value: Any) -> SiteInput:
    """``site`` with one field (by the form's name: "postcode", "housing_place") set."""
    if name in ADDRESS_FIELDS:
        return replace(site, address=replace(site.address, **{name: value}))
    if name in HOUSING_FIELDS:
        field = name.removeprefix("housing_")
        return replace(site, housing=replace(site.housing, **{field: value}))
    return replace(site, **{name: value})


def site_field(site: Site, name: str) -> Any:
    if name in ADDRESS_FIELDS:
        return getattr(site.address, name)
    if name in HOUSING_FIELDS:
        return getattr(site.housing, name.removeprefix("housing_"))
    return getattr(site, name)


def person_raw(person: Person) -> dict[str, Any]:
    """A stored person as the input ``person_input`` validates (the JSON shape)."""
    return {
        "label": person.label,
        "role": person.role.value,
        "sex": person.sex.value,
        "age": person.age,
        "age_band": person.age_band.value if person.age_band else None,
        "minor": person.minor,
        "nationality": person.nationality,
        "languages": list(person.languages),
        "interpreter": person.interpreter,
        "residence_status": person.residence_status,
        "consent": person.consent.value,
        "consent_date": person.consent_date,
        "notes": person.notes,
        "b83_status": person.b83_status.value,
        "b83_date": person.b83_date,
        "b83_by": person.b83_by,
        "suspected_forms": list(person.suspected_forms),
        "professional_indication": person.professional_indication,
        "initials": person.initials,
        "birth_date": person.birth_date,
        "safe_contact": person.safe_contact,
        "whereabouts": person.whereabouts,
        "safety": person.safety,
        "care_needs": person.care_needs,
        "police_report": person.police_report.value,
    }


def new_draft_visit(store: Store, catalogue: Catalogue) -> str:
    """An empty draft visit: no site name yet, sector "other", started now, with the inspector
    and agency from the profile setting (``{"inspector": ..., "agency": ...}``; ``agencies`` as
    a list is accepted too)."""
    profile = store.setting("profile", {}) or {}
    agencies = profile.get("agencies") or ([profile["agency"]] if profile.get("agency") else [])
    new = NewVisit(
        site=SiteInput(name="", sector=Sector.OTHER),
        visit=VisitInput(
            started_at=now_iso(),
            type=VisitType.INSPECTION,
            agencies=tuple(str(agency) for agency in agencies),
            inspector=profile.get("inspector") or None,
        ),
    )
    return store.record_visit(new, catalogue.version)


class VisitController:
    def __init__(
        self,
        store: Store,
        catalogue: Catalogue,
        visit_uuid: str,
    ) -> None:
        self.store = store
        self.catalogue = catalogue
        self.visit_uuid = visit_uuid
        self.history = UndoHistory()
        self.saved_at: datetime | None = None
        self.visit: Visit
        self.site: Site
        self.persons: list[Person] = []
        self.attachments: list[Attachment] = []
        self.observations: dict[tuple[Scope, str], ObsState] = {}
        self.reload()

    def reload(self) -> None:
        detail = self.store.visit_detail(self.visit_uuid)
        self.visit = detail.visit
        self.site = detail.site
        self.persons = list(detail.persons)
        # the visit's own and its persons' and signals' (camera photos); no referral PDFs
        self.attachments = self.store.visit_attachments(self.visit_uuid)
        self.observations = {
            (o.person_uuid, o.indicator_id): ObsState(
                o.meta.uuid, o.status, o.evidence, o.note, o.past
            )
            for o in detail.observations
        }

    def _committed(self, change: Change | None) -> None:
        self.saved_at = local_now()
        if change is not None:
            self.history.push(change)

    def undo(self) -> Change | None:
        change = self.history.undo()
        if change is not None:
            self.saved_at = local_now()
        return change

    # -- site and visit -------------------------------------------------------------------

    def set_site_field(self, name: str, raw: Any) -> bool:
        """Validate and save one site field; False when nothing changed."""
        value = site_value(name, raw)
        old = site_input(self.site)
        new = with_site_value(old, name, value)
        if new == old:
            return False
        site_uuid = self.site.meta.uuid
        self._write_site(site_uuid, new)
        self._committed(
            Change(
                "ui.visit.undo.site",
                lambda: self._write_site(site_uuid, old),
                ("site", name),
                {"field": name},
            )
        )
        return True

    def set_site_fields(self, values: Mapping[str, Any]) -> bool:
        """Validate and save several site fields as one change, so one undo puts them all
        back (a place chosen from the coordinator's list of known sites fills its name,
        address, KvK number and sector at once). A refused value saves none of them. False
        when nothing changed."""
        old = site_input(self.site)
        new = old
        for name, raw in values.items():
            new = with_site_value(new, name, site_value(name, raw))
        if new == old:
            return False
        site_uuid = self.site.meta.uuid
        self._write_site(site_uuid, new)
        self._committed(
            Change(
                "ui.visit.known_sites.undo",
                lambda: self._write_site(site_uuid, old),
                ("site", "name"),
            )
        )
        return True

    def _write_site(self, site_uuid: str, site: SiteInput) -> None:
        self.store.update_site(site_uuid, site)
        if self.site.meta.uuid == site_uuid:
            self.site = self.store.site(site_uuid)

    def known_sites(self, text: str, limit: int = 8) -> list[Site]:
        """Other places already in the vault that match ``text`` (search-as-you-type)."""
        if len(text.strip()) < 2:
            return []
        return [
            site
            for site in self.store.search_sites(text, limit + 1)
            if site.meta.uuid != self.site.meta.uuid
        ][:limit]

    def link_site(self, site_uuid: str) -> bool:
        """Record this visit at a place already in the vault. The draft's own blank site stays
        behind as an unused record (see the report: the core should offer to drop it)."""
        old = self.visit.site_uuid
        if site_uuid == old:
            return False
        self._write_site_link(site_uuid)
        self._committed(
            Change("ui.visit.undo.site_link", lambda: self._write_site_link(old), ("site", "name"))
        )
        return True

    def _write_site_link(self, site_uuid: str) -> None:
        self.store.update_visit(self.visit_uuid, site_uuid=site_uuid)
        self.visit = replace(self.visit, site_uuid=site_uuid)
        self.site = self.store.site(site_uuid)

    def set_visit_field(self, name: str, raw: Any) -> bool:
        if name == "type":
            value: Any = v.choice(raw, "visit.type", VisitType)
        elif name == "notes":
            value = v.text(raw, "visit.notes")
        else:
            raise ValueError(f"not a visit field: {name}")
        old = getattr(self.visit, name)
        if value == old:
            return False
        self._write_visit(name, value)
        self._committed(
            Change("ui.visit.undo.visit", lambda: self._write_visit(name, old), ("visit", name))
        )
        return True

    def _write_visit(self, name: str, value: Any) -> None:
        self.store.update_visit(self.visit_uuid, **{name: value})
        self.visit = replace(self.visit, **{name: value})

    def close_visit(self) -> bool:
        """Mark the visit closed, ended now unless an end was recorded; False when it was
        closed already."""
        if self.visit.status is VisitStatus.CLOSED:
            return False
        old = (self.visit.status, self.visit.ended_at)
        self._write_closed(VisitStatus.CLOSED, self.visit.ended_at or now_iso())
        self._committed(
            Change("ui.visit.undo.closed", lambda: self._write_closed(*old), ("visit", "status"))
        )
        return True

    def _write_closed(self, status: VisitStatus, ended_at: str | None) -> None:
        self.store.update_visit(self.visit_uuid, status=status, ended_at=ended_at)
        self.visit = replace(self.visit, status=status, ended_at=ended_at)

    def nothing_recorded(self) -> bool:
        """No site name, person, signal or attachment: a draft that may be thrown away."""
        return not (self.site.name or self.persons or self.observations or self.attachments)

    def discard_draft(self) -> bool:
        """Throw the empty draft away (the core refuses when something was recorded)."""
        if not self.nothing_recorded():
            return False
        self.history.clear()
        return self.store.discard_draft(self.visit_uuid)

    # -- persons --------------------------------------------------------------------------

    def person(self, person_uuid: str) -> Person:
        for person in self.persons:
            if person.meta.uuid == person_uuid:
                return person
        raise KeyError(person_uuid)

    def add_person(self) -> Person:
        """A new person with the next free pseudonym (A, B, C, ...)."""
        label = self.store.next_person_label(self.visit_uuid)
        person_uuid = self.store.add_person(self.visit_uuid, PersonInput(label=label))
        self._reload_persons()
        self._committed(
            Change(
                "ui.visit.undo.person_added",
                lambda: self._remove_person(person_uuid),
                ("person", person_uuid),
                {"label": label},
            )
        )
        return self.person(person_uuid)

    def delete_person(self, person_uuid: str) -> bool:
        """Remove a person recorded by mistake, with what was recorded for them (each a
        tombstone, audited). Not undoable: earlier changes may be about them, so the undo
        history starts again."""
        self.person(person_uuid)  # KeyError when not at this visit
        self.store.delete_person(person_uuid)
        for key in [key for key in self.observations if key[0] == person_uuid]:
            del self.observations[key]
        self.attachments = self.store.visit_attachments(self.visit_uuid)  # their photos went
        self._reload_persons()
        self.history.clear()
        self.saved_at = local_now()
        return True

    def _remove_person(self, person_uuid: str) -> None:
        self.store.delete("person", person_uuid)
        self._reload_persons()

    def _reload_persons(self) -> None:
        self.persons = list(self.store.persons(self.visit_uuid))

    def set_person_field(self, person_uuid: str, name: str, value: Any) -> bool:
        """Validate (``person_input``, shared with the JSON reader) and save one field.
        A given age decides the minor flag; the flag can only be set while the age is unknown."""
        person = self.person(person_uuid)
        raw = person_raw(person)
        raw[name] = value
        if name == "nationality":
            # The language follows the nationality unless the user chose one themselves.
            follow = following_languages(person.nationality, value, person.languages)
            if follow is not None:
                raw["languages"] = list(follow)
        if name == "age" and value is not None:
            raw["minor"] = None
        if name == "consent" and value != "not_asked" and not raw["consent_date"]:
            raw["consent_date"] = local_today().isoformat()
        if name == "b83_status" and value != "not_recorded" and not raw["b83_date"]:
            raw["b83_date"] = local_today().isoformat()
        new = person_input(raw, f"persons[{person.label}]")
        old = person_input(person_raw(person), f"persons[{person.label}]")
        if new == old:
            return False
        self._write_person(person_uuid, new)
        self._committed(
            Change(
                "ui.visit.undo.person",
                lambda: self._write_person(person_uuid, old),
                ("person", person_uuid, name),
                {"label": person.label},
            )
        )
        return True

    def _write_person(self, person_uuid: str, person: PersonInput) -> None:
        self.store.update_person(person_uuid, person)
        self._reload_persons()

    # -- observations ---------------------------------------------------------------------

    def observation(self, scope: Scope, indicator_id: str) -> ObsState | None:
        return self.observations.get((scope, indicator_id))

    def cycle(self, scope: Scope, indicator_id: str) -> ObsState:
        current = self.observation(scope, indicator_id)
        status = STATUS_CYCLE[current.status if current else None]
        return self._set(scope, indicator_id, status, current)

    def set_status(self, scope: Scope, indicator_id: str, status: ObservationStatus) -> ObsState:
        return self._set(scope, indicator_id, status, self.observation(scope, indicator_id))

    def cycle_evidence(self, scope: Scope, indicator_id: str) -> ObsState:
        """Next evidence source; a signal not yet recorded is recorded as observed."""
        current = self.observation(scope, indicator_id)
        evidence = current.evidence if current else None
        following = EVIDENCE_CYCLE[(EVIDENCE_CYCLE.index(evidence) + 1) % len(EVIDENCE_CYCLE)]
        return self.set_evidence(scope, indicator_id, following)

    def set_evidence(self, scope: Scope, indicator_id: str, evidence: Evidence | None) -> ObsState:
        current = self.observation(scope, indicator_id)
        status = current.status if current else ObservationStatus.OBSERVED
        return self._set(scope, indicator_id, status, current, evidence=evidence)

    def set_note(self, scope: Scope, indicator_id: str, note: str | None) -> ObsState:
        """A note on a signal; a signal not yet recorded is recorded as observed."""
        text = v.text(note, "observation.note")
        current = self.observation(scope, indicator_id)
        if current is None and text is None:
            raise ValueError("nothing to record")
        status = current.status if current else ObservationStatus.OBSERVED
        return self._set(scope, indicator_id, status, current, note=text)

    def set_past(self, scope: Scope, indicator_id: str, past: bool) -> ObsState:
        """Mark an observed signal as having happened before the visit (or not). Marking it
        records it as observed: "it happened, earlier"; unmarking keeps the status. The flag
        is kept through status cycles, evidence and note changes, like the note."""
        current = self.observation(scope, indicator_id)
        if current is None and not past:
            raise ValueError("nothing to record")
        status = ObservationStatus.OBSERVED if past or current is None else current.status
        return self._set(scope, indicator_id, status, current, past=past)

    def toggle_past(self, scope: Scope, indicator_id: str) -> ObsState:
        """P / F3: past on an observed signal; on a signal not (yet) observed, observed in
        the past."""
        current = self.observation(scope, indicator_id)
        shown_past = (
            current is not None and current.status is ObservationStatus.OBSERVED and current.past
        )
        return self.set_past(scope, indicator_id, not shown_past)

    def clear_observation(self, scope: Scope, indicator_id: str) -> bool:
        """Back to "not recorded" (the record becomes a tombstone, as every deletion)."""
        current = self.observation(scope, indicator_id)
        if current is None:
            return False
        self._restore((scope, indicator_id), None)
        self._committed(
            Change(
                "ui.visit.undo.signal",
                lambda: self._restore((scope, indicator_id), current),
                ("observation", scope, indicator_id),
            )
        )
        return True

    _KEEP: Any = object()

    def _set(
        self,
        scope: Scope,
        indicator_id: str,
        status: ObservationStatus,
        current: ObsState | None,
        *,
        evidence: Any = _KEEP,
        note: Any = _KEEP,
        past: Any = _KEEP,
    ) -> ObsState:
        if self.catalogue.get(indicator_id) is None:
            raise KeyError(indicator_id)
        if evidence is self._KEEP:
            evidence = current.evidence if current else None
        if note is self._KEEP:
            note = current.note if current else None
        if past is self._KEEP:
            past = current.past if current else False
        key = (scope, indicator_id)
        state = ObsState(current.uuid if current else "", status, evidence, note, bool(past))
        if current is not None and state == current:
            return current
        state = self._write_observation(key, state)
        self._committed(
            Change(
                "ui.visit.undo.signal",
                lambda: self._restore(key, current),
                ("observation", scope, indicator_id),
            )
        )
        return state

    def _write_observation(self, key: tuple[Scope, str], state: ObsState) -> ObsState:
        """Save what ``state`` says (its uuid is ignored: the vault keeps one live record per
        indicator and scope)."""
        scope, indicator_id = key
        obs_uuid = self.store.set_observation(
            self.visit_uuid,
            scope,
            ObservationInput(
                indicator_id, state.status, state.evidence, state.note, past=state.past
            ),
            self.catalogue.version,
        )
        state = replace(state, uuid=obs_uuid)
        self.observations[key] = state
        return state

    def _restore(self, key: tuple[Scope, str], previous: ObsState | None) -> None:
        current = self.observations.get(key)
        if previous is None:
            if current is not None:
                self.store.delete("observation", current.uuid)
                del self.observations[key]
            return
        self._write_observation(key, previous)

    def scope_states(self, scope: Scope) -> dict[str, ObsState]:
        return {ind: state for (s, ind), state in self.observations.items() if s == scope}

    def observed_count(self, scope: Scope) -> int:
        return sum(
            1
            for (s, _), state in self.observations.items()
            if s == scope and state.status is ObservationStatus.OBSERVED
        )

    # -- assessment -----------------------------------------------------------------------

    def assessment(self, person_uuid: str) -> Assessment:
        """The person's assessment from what the vault holds now (visit-level signals count
        for each person; their own override them). A few milliseconds: GUI thread."""
        return assess(case_for_person(self.store, self.visit_uuid, person_uuid), self.catalogue)

    # -- attachments ----------------------------------------------------------------------

    def add_attachment_file(self, path: str | os.PathLike[str]) -> Attachment:
        """Copy a photo or PDF into the vault (only there). Too large or of another type:
        ``FieldAppError`` with the core's message, before the file is read."""
        file = Path(path)
        extension = file.suffix.lower().lstrip(".")
        media_type = MEDIA_TYPES.get(extension)
        if media_type is None:
            raise FieldAppError("attachment.bad_type", media_type=extension or "?")
        if file.stat().st_size > MAX_ATTACHMENT_BYTES:
            raise FieldAppError("attachment.too_large", limit=MAX_ATTACHMENT_BYTES // 1024 // 1024)
        return self._keep_attachment(
            self.store.add_attachment(
                "visit", self.visit_uuid, file.name, media_type, file.read_bytes()
            )
        )

    def add_photo(self, owner: PhotoOwner, jpeg: bytes) -> Attachment:
        """Keep a camera photo (JPEG bytes made in memory) with the visit, one of its persons or
        one of its signals; undone like a chosen file. Nothing touches the disk but the vault."""
        ours = {
            "visit": {self.visit_uuid},
            "person": {person.meta.uuid for person in self.persons},
            "observation": {state.uuid for state in self.observations.values()},
        }
        if owner.uuid not in ours.get(owner.kind, set()):
            raise KeyError(owner.uuid)  # not of this visit: a programming error, not input
        name = t("ui.visit.camera.file_name", stamp=file_stamp())
        return self._keep_attachment(
            self.store.add_attachment(owner.kind, owner.uuid, name, "image/jpeg", jpeg)
        )

    def _keep_attachment(self, attachment: Attachment) -> Attachment:
        self.attachments.append(attachment)
        attachment_uuid = attachment.meta.uuid
        self._committed(
            Change(
                "ui.visit.undo.attachment",
                lambda: self._remove_attachment(attachment_uuid),
                ("attachment", attachment_uuid),
            )
        )
        return attachment

    def photo_owners(self, person_uuid: str | None) -> list[PhotoOwner]:
        """What a camera photo can be kept with: the visit, each person, and the signals observed
        for ``person_uuid`` (for everyone at the visit when None), in the checklist's order."""
        owners = [PhotoOwner("visit", self.visit_uuid, t("ui.visit.camera.owner_visit"))]
        owners += [
            PhotoOwner(
                "person",
                person.meta.uuid,
                t("ui.visit.persons.tab", label=person.label),
                person.meta.uuid,
            )
            for person in self.persons
        ]
        for (scope, indicator_id), state in self.observations.items():
            if scope != person_uuid or state.status is not ObservationStatus.OBSERVED:
                continue
            owners.append(
                PhotoOwner(
                    "observation",
                    state.uuid,
                    self._signal_text(scope, indicator_id),
                    scope,
                )
            )
        return owners

    def _signal_text(self, scope: Scope, indicator_id: str) -> str:
        indicator = self.catalogue.get(indicator_id)
        name = indicator.label[current_language()] if indicator else indicator_id
        if scope is None:
            return t("ui.visit.camera.owner_signal_everyone", signal=name)
        try:
            label = self.person(scope).label
        except KeyError:
            return t("ui.visit.camera.owner_signal_everyone", signal=name)
        return t("ui.visit.camera.owner_signal", signal=name, label=label)

    def attachment_owner_text(self, attachment: Attachment) -> str | None:
        """Whom or what a photo belongs to, as the list shows it; None for the visit's own."""
        if attachment.owner_kind == "person":
            for person in self.persons:
                if person.meta.uuid == attachment.owner_uuid:
                    return t("ui.visit.persons.tab", label=person.label)
            return t("ui.visit.camera.owner_person_deleted")
        if attachment.owner_kind == "observation":
            for (scope, indicator_id), state in self.observations.items():
                if state.uuid == attachment.owner_uuid:
                    return self._signal_text(scope, indicator_id)
            return t("ui.visit.camera.owner_signal_cleared")
        return None

    def _remove_attachment(self, attachment_uuid: str) -> None:
        self.store.delete("attachment", attachment_uuid)
        self.attachments = [a for a in self.attachments if a.meta.uuid != attachment_uuid]

    def attachment_content(self, attachment_uuid: str) -> bytes:
        return self.store.attachment_content(attachment_uuid)
