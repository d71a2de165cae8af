"""A worker's own connection: it reads what the GUI thread's connection committed, and the
copy of the key it was given is wiped once the database is open (or when the job is dropped)."""

from __future__ import annotations

import threading

from fieldapp.demo import demo_visits
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.worker import WorkerVaultKey


def test_a_worker_reads_on_its_own_thread_and_the_key_copy_is_wiped(vault: Vault) -> None:
    Store(vault).record_visits(demo_visits(3, seed=1))
    key = WorkerVaultKey(vault)
    assert any(key._key)
    seen: list[int] = []

    def work() -> None:
        with key.open() as worker:
            assert not any(key._key)  # wiped as soon as the database is open
            assert worker.actor == vault.actor and worker.is_open
            seen.append(Store(worker).count_visits())  # type: ignore[arg-type]

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [3]
    assert any(vault.key_buffer)  # the vault's own key is untouched


def test_a_dropped_job_wipes_its_key_copy(vault: Vault) -> None:
    key = WorkerVaultKey(vault)
    key.discard()
    assert not any(key._key)
