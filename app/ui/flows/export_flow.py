"""Export from the library: the Export dialog, remembering the last choice, and the save."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from app.ui.flows import actions
from app.ui.session import UiSession

if TYPE_CHECKING:  # the studio and the dialog load behind the first frame
    from app.services.studio import Studio
    from app.ui.dialogs.export_dialog import ExportChoice, ExportDialog
    from app.ui.gallery.gallery import Gallery


class ExportFlow(QObject):
    """Opens the Export dialog for library images and saves them where the user chose."""

    export_dialog: ExportDialog  # the last dialog opened (absent until one is)

    def __init__(
        self,
        session: UiSession,
        gallery: Gallery,
        *,
        studio: Callable[[], Studio | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session, self.gallery = session, gallery
        self._studio = studio
        self._export_choice: ExportChoice | None = None
        self._dialogs: list[object] = []

    def export(self, image_ids: list[int]) -> None:
        studio = self._studio()
        if not image_ids or studio is None:
            return
        settings = self.session.settings
        last = self._export_choice
        folder = last.folder if last else self._default_folder()
        template = last.template if last else settings.filename_template
        first = self.gallery.record(image_ids[0])

        def preview(text: str) -> str:
            from app.core.filenames import sanitize_filename

            if first is None:
                raise ValueError("no image")
            return sanitize_filename(studio.default_stem(first, text) + first.path.suffix)

        from app.ui.dialogs.export_dialog import ExportDialog  # loads when first opened

        dialog = ExportDialog(
            self.gallery.window(),
            count=len(image_ids),
            folder=folder,
            template=template,
            strip_metadata=last.strip_metadata if last else False,
            preview=preview if first is not None else None,
            export_format=last.export_format if last else None,
        )
        ids = list(image_ids)
        dialog.export_requested.connect(
            lambda choice: self.session.spawn(self._export(studio, ids, choice), name="export")
        )
        dialog.finished.connect(lambda _r: self._dialogs.remove(dialog))
        self._dialogs.append(dialog)
        self.export_dialog = dialog
        dialog.open()

    def _default_folder(self) -> Path:
        return self.session.output_dir()

    async def _export(self, studio: Studio, ids: list[int], choice: ExportChoice) -> list[Path]:
        self._export_choice = choice
        records = await actions.load_records(studio, ids)
        try:
            paths = await studio.save_images(
                records,
                choice.folder,
                stem=lambda r: studio.default_stem(r, choice.template),
                strip_metadata=choice.strip_metadata,
                export_format=choice.export_format,
            )
        except (OSError, ValueError) as exc:
            self.session.notify(f"Export failed: {exc}", "error")
            return []
        n = len(paths)
        privacy = " without metadata" if choice.strip_metadata else ""
        self.session.notify(
            f"Exported {n} image{'s' if n != 1 else ''}{privacy} to {choice.folder}"
        )
        return paths
