"""The app as an artist uses it, against the emulator on loopback."""

from __future__ import annotations

import pytest
from PIL import Image

from app.core.metadata import parse_parameters
from app.emulator.config import EmulatorConfig
from app.emulator.runner import Emulator
from app.services.events import Phase
from app.ui.flows.smoke import thumbnails_shown


def _latest(controller):
    states = controller.studio.ledger.all()
    return max(states, key=lambda s: s.id) if states else None


def test_generate_four_thumbnails_then_save_parses_back(qloop, harness_factory, tmp_path):
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window = controller.window
        window.form.set_values({"width": 256, "height": 192, "steps": 12, "scale": 6.5})
        window.form.fix_seed(777)
        window.generate_panel.request_generate()
        await harness.wait(lambda: _latest(controller) is not None, what="a generation")
        gen = _latest(controller)
        await harness.wait(lambda: shown(window, gen.id) == 4, what="4 thumbnails")
        studio = controller.studio
        await harness.wait(lambda: studio.generation(gen.id).phase is Phase.SUCCEEDED)
        state = studio.generation(gen.id)
        assert state.phase is Phase.SUCCEEDED and len(state.images) == 4
        saved = await controller.studio.save_images(list(state.images), tmp_path / "saved")
        form = window.form.values()
        for index, path in enumerate(saved):
            with Image.open(path) as img:
                assert img.size == (256, 192)
                parsed = parse_parameters(img.text["parameters"])
            assert parsed.prompt == form["prompt"]
            assert parsed.negative_prompt == form["negativePrompt"]
            s = parsed.settings
            assert (s["Steps"], s["CFG scale"], s["Size"]) == ("12", "6.5", "256x192")
            assert s["Sampler"] == "Euler" and s["Wiro scheduler"] == form["scheduler"]
            assert s["Seed"] == str(777 + index)
            assert s["Wiro clipSkip"] == str(form["clipSkip"])
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


def test_stop_cancels_queued_and_kills_running(qloop, harness_factory):
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        emulator = controller.demo_server.runner
        emulator.configure(step_mode=True)
        window = controller.window
        window.form.set_values({"width": 128, "height": 128, "samples": 1})

        window.generate_panel.request_generate()
        await harness.wait(lambda: _latest(controller) and _latest(controller).task_id)
        queued = _latest(controller)
        row = window.tasks.row(queued.id)
        assert row.stop_button.isEnabled() and "Cancel" in row.stop_button.toolTip()
        row.stop_button.click()
        await harness.wait(lambda: controller.studio.generation(queued.id).phase is Phase.CANCELLED)

        window.generate_panel.request_generate()
        await harness.wait(
            lambda: _latest(controller).id != queued.id and _latest(controller).task_id
        )
        running = _latest(controller)
        emulator.run_to(running.task_id, "task_output")
        await harness.wait(lambda: controller.studio.generation(running.id).status == "task_output")
        row = window.tasks.row(running.id)
        assert "Kill" in row.stop_button.toolTip()
        row.stop_button.click()
        await harness.wait(
            lambda: controller.studio.generation(running.id).phase is Phase.CANCELLED
        )
        requests = emulator.stats()["requests"]
        assert requests.get("Task/Cancel") == 1 and requests.get("Task/Kill") == 1
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


def test_failed_task_shows_wiro_debugerror(qloop, harness_factory):
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        controller.demo_server.runner.configure(fail_rate=1.0)
        window = controller.window
        window.form.set_values({"width": 128, "height": 128, "samples": 1})
        window.generate_panel.request_generate()
        await harness.wait(lambda: _latest(controller) and _latest(controller).is_final)
        state = _latest(controller)
        assert state.phase is Phase.FAILED and state.debug_error
        row = window.tasks.row(state.id)
        folded = " ".join(state.debug_error.split())
        assert folded[:60] in " ".join(row.debug_label.text().split())
        assert row.debug_label.isVisibleTo(window)
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


@pytest.mark.parametrize("refusal_status", [401, 403, 200])
def test_connect_account_checks_then_stores_in_keychain(qloop, harness_factory, refusal_status):
    harness = harness_factory(demo=False)
    config = EmulatorConfig(
        api_key="acct-key-0123456789",
        api_secret="acct-secret-0123456789",
        auth_failure_status=refusal_status,  # Wiro's docs give 401, 403 and HTTP 200
    )

    async def scenario(emu: Emulator) -> None:
        controller = harness.controller
        controller.settings_store.save(
            controller.settings.__class__(api_base_url=emu.base_url, socket_url=emu.socket_url)
        )
        await harness.start()
        await harness.wait(
            lambda: (
                controller.window is not None
                and bool(controller.window.findChildren(_welcome_type()))
            ),
            what="the welcome dialog",
        )
        dialog = controller.window.findChildren(_welcome_type())[0]
        dialog.key_edit.setText("acct-key-0123456789")
        dialog.secret_edit.setText("wrong-secret")
        dialog.connect_button.click()
        await harness.wait(lambda: dialog.error_label.text() != "", what="an auth error")
        assert "did not accept" in dialog.error_label.text()
        assert harness.keyring.store == {}
        dialog.secret_edit.setText("acct-secret-0123456789")
        dialog.connect_button.click()
        await harness.wait(lambda: controller.studio is not None and not controller.spec.demo)
        stored = controller.credentials.load()
        assert stored.api_secret == "acct-secret-0123456789"
        assert "acct…6789" in controller.window.mode_label.text()
        assert not controller.window.banner.isVisibleTo(controller.window)
        assert emu.stats()["secret_violations"] == 0
        assert await harness.stop() == 0

    with Emulator(config) as emu:
        qloop.run_until_complete(scenario(emu))


def _welcome_type():
    from app.ui.dialogs.welcome_dialog import WelcomeDialog

    return WelcomeDialog


def shown(window, generation_id: int) -> int:
    return thumbnails_shown(window.gallery, window.loader, generation_id)
