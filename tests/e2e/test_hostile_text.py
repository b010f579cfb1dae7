"""Server text stored in history is shown literally when the app starts: never as markup."""

from __future__ import annotations

from app.storage.history import HistoryStore
from app.storage.paths import AppPaths

HOSTILE = '<img src="/dev/zero"> refused \x1b[31mred\x07 \u202egpj.exe'
SHOWN = '<img src="/dev/zero"> refused ␛[31mred␇ <U+202E>gpj.exe'


def test_a_stored_refusal_with_markup_is_shown_literally_at_start(qloop, harness_factory, tmp_path):
    harness = harness_factory(demo=True)
    store = HistoryStore(AppPaths.under(tmp_path / "app").database(True))
    gid = store.create_generation(
        tool="Lykon/dreamshaper-8",
        params={"prompt": '<img src="/dev/zero"> a lighthouse'},
        expected_images=1,
        created_at=1.0,
        phase="failed",
    )
    store.update_generation(gid, error=HOSTILE, debug_error=HOSTILE, finished_at=2.0)
    store.close()

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(
            lambda: (
                controller.window is not None
                and controller.window.attached
                and controller.window.tasks.row(gid)
            ),
            what="the stored card",
        )
        window = controller.window
        row = window.tasks.row(gid)
        assert row.error_label.text() == SHOWN
        assert row.error_label.textFormat().name == "PlainText"
        assert row.error_label.isVisibleTo(window)
        assert row.debug_label.text() == SHOWN
        assert row.prompt_label.full_text() == '<img src="/dev/zero"> a lighthouse'
        assert row.prompt_label.textFormat().name == "PlainText"
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())
