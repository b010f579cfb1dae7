"""The application's look in one place: Fusion, a neutral dark palette and a modest stylesheet.

Neutral greys keep colour judgement fair: nothing around an image is tinted. Widgets that
paint by hand use the colour constants below instead of literals. Spin boxes and combo boxes
keep Fusion's native look unless they set the dynamic property ``themed`` (the form's editors
in field_editors do, and paint their own arrows).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

WINDOW = "#1e1f22"
BASE = "#26282c"
ALT_BASE = "#2a2c31"
SURFACE = "#2d3035"  # buttons, cards
SURFACE_HOVER = "#363940"
BORDER = "#3c3f45"
BORDER_STRONG = "#4a4e56"
TEXT = "#e6e6e6"
MUTED_TEXT = "#9a9ea6"
DISABLED_TEXT = "#6b6f77"
ACCENT = "#7088e8"  # a calm blue-violet
ACCENT_HOVER = "#8299f0"
ACCENT_PRESSED = "#5d74d2"
ACCENT_TEXT = "#ffffff"
ERROR = "#ff8f87"  # red-ish, readable on WINDOW and BASE (contrast > 6:1)
ERROR_BG = "#3a2527"
SUCCESS = "#7fcf8e"
WARNING = "#e8b04a"
BANNER_BG = "#4a3a17"  # the warm amber "demo" bar
BANNER_BORDER = "#b8862b"
BANNER_TEXT = "#ffe1a6"


def _palette() -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: WINDOW,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BASE,
        QPalette.ColorRole.AlternateBase: ALT_BASE,
        QPalette.ColorRole.ToolTipBase: "#33363c",
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: DISABLED_TEXT,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: SURFACE,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: ACCENT_TEXT,
        QPalette.ColorRole.Link: ACCENT_HOVER,
        QPalette.ColorRole.LinkVisited: ACCENT_HOVER,
        QPalette.ColorRole.Light: "#45484f",
        QPalette.ColorRole.Midlight: "#383b41",
        QPalette.ColorRole.Mid: "#2f3136",
        QPalette.ColorRole.Dark: "#17181a",
        QPalette.ColorRole.Shadow: "#0e0f10",
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(disabled, role, QColor(DISABLED_TEXT))
    pal.setColor(disabled, QPalette.ColorRole.Base, QColor(ALT_BASE))
    pal.setColor(disabled, QPalette.ColorRole.Button, QColor("#27292d"))
    return pal


STYLESHEET = f"""
QToolTip {{
    color: {TEXT}; background: #33363c; border: 1px solid {BORDER_STRONG}; padding: 4px 6px;
}}
QLineEdit, QAbstractSpinBox[themed="true"], QComboBox, QPlainTextEdit, QTextEdit {{
    border: 1px solid {BORDER}; border-radius: 4px; background: {BASE};
    padding: 3px 6px; selection-background-color: {ACCENT};
}}
QPlainTextEdit, QTextEdit {{ padding: 2px 2px; }}
QLineEdit:focus, QAbstractSpinBox[themed="true"]:focus, QComboBox:focus, QPlainTextEdit:focus,
QTextEdit:focus {{ border-color: {ACCENT}; }}
QLineEdit:disabled, QAbstractSpinBox[themed="true"]:disabled, QComboBox:disabled,
QPlainTextEdit:disabled {{ background: {ALT_BASE}; color: {DISABLED_TEXT}; }}
QLineEdit[error="true"], QAbstractSpinBox[error="true"], QComboBox[error="true"],
QPlainTextEdit[error="true"] {{ border-color: {ERROR}; }}
QAbstractSpinBox[themed="true"]::up-button {{
    subcontrol-origin: padding; subcontrol-position: top right; width: 18px;
    border-left: 1px solid {BORDER}; background: transparent;
}}
QAbstractSpinBox[themed="true"]::down-button {{
    subcontrol-origin: padding; subcontrol-position: bottom right; width: 18px;
    border-left: 1px solid {BORDER}; background: transparent;
}}
QAbstractSpinBox[themed="true"]::up-button:hover,
QAbstractSpinBox[themed="true"]::down-button:hover {{ background: {SURFACE_HOVER}; }}
QAbstractSpinBox[themed="true"]::up-arrow, QAbstractSpinBox[themed="true"]::down-arrow {{
    image: none; width: 0; height: 0; border: none;
}}
QComboBox[themed="true"] {{ padding-right: 22px; }}
QComboBox[themed="true"]::drop-down {{
    subcontrol-origin: padding; subcontrol-position: top right; width: 22px;
    border: none; background: transparent;
}}
QComboBox QAbstractItemView {{
    background: {BASE}; border: 1px solid {BORDER_STRONG}; selection-background-color: {ACCENT};
}}
QPushButton {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 5px;
    padding: 5px 14px; min-height: 18px;
}}
QPushButton:hover {{ background: {SURFACE_HOVER}; border-color: {BORDER_STRONG}; }}
QPushButton:pressed {{ background: #26282c; }}
QPushButton:disabled {{ color: {DISABLED_TEXT}; background: #27292d; border-color: #303237; }}
QPushButton:focus {{ border-color: {ACCENT}; }}
QPushButton[primary="true"] {{
    background: {ACCENT}; color: {ACCENT_TEXT}; border: 1px solid {ACCENT}; font-weight: 600;
}}
QPushButton[primary="true"]:hover {{ background: {ACCENT_HOVER}; border-color: {ACCENT_HOVER}; }}
QPushButton[primary="true"]:pressed {{ background: {ACCENT_PRESSED}; }}
QPushButton[primary="true"]:focus {{ border-color: #c8d2ff; }}
QPushButton[primary="true"]:disabled {{
    background: #3a3f55; color: #9aa0b8; border-color: #3a3f55;
}}
QPushButton[flat="true"], QPushButton[link="true"] {{
    background: transparent; border: none; color: {ACCENT_HOVER}; padding: 2px 4px;
}}
QPushButton[link="true"]:hover {{ text-decoration: underline; }}
QPushButton[link="true"]:disabled {{ color: {DISABLED_TEXT}; }}
QToolButton {{ border: 1px solid transparent; border-radius: 4px; padding: 2px; }}
QToolButton:hover {{ background: {SURFACE_HOVER}; border-color: {BORDER}; }}
QToolButton:checked {{ background: #34384a; border-color: {ACCENT}; }}
QToolButton[compact="true"] {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 4px; padding: 1px 6px;
}}
QToolButton[compact="true"]:hover {{ background: {SURFACE_HOVER}; border-color: {BORDER_STRONG}; }}
QToolButton[compact="true"]:disabled {{ color: {DISABLED_TEXT}; background: transparent; }}
QToolButton[section="true"] {{ font-weight: 600; color: {TEXT}; border: none; padding: 4px 0; }}
QToolButton[section="true"]:hover, QToolButton[section="true"]:checked {{
    background: transparent; color: {TEXT};
}}
QToolButton[section="true"]:hover {{ color: #ffffff; }}
QToolButton[dropdown="true"] {{ padding-right: 18px; }}
QToolButton[dropdown="true"]::menu-indicator {{
    subcontrol-origin: padding; subcontrol-position: center right; right: 5px;
}}
#generatePanel {{ border-top: 1px solid {BORDER}; background: {WINDOW}; }}
QLabel[role="error"] {{ color: {ERROR}; }}
QLabel[role="muted"] {{ color: {MUTED_TEXT}; }}
QLabel[role="heading"] {{ font-weight: 600; }}
QLabel[role="title"] {{ font-size: 15pt; font-weight: 600; }}
QLabel[role="success"] {{ color: {SUCCESS}; }}
QLabel[role="warning"] {{ color: {WARNING}; }}
#demoBanner, QWidget[role="banner"] {{
    background: {BANNER_BG}; border-bottom: 1px solid {BANNER_BORDER};
}}
#demoBanner QLabel, QWidget[role="banner"] QLabel {{
    color: {BANNER_TEXT}; background: transparent;
}}
QFrame[banner="demo"], QLabel[banner="demo"] {{
    background: {BANNER_BG}; color: {BANNER_TEXT}; border: 1px solid {BANNER_BORDER};
    border-radius: 4px; padding: 6px 10px;
}}
QFrame[card="true"] {{
    background: {ALT_BASE}; border: 1px solid {BORDER}; border-radius: 6px;
}}
QFrame[card="true"][selected="true"] {{ border-color: {ACCENT}; }}
QFrame[card="true"][state="failed"] {{ border-color: #6b3a3a; }}
QFrame[card="true"] QLabel {{ background: transparent; }}
QProgressBar {{
    border: none; border-radius: 3px; background: #34373d; max-height: 6px; min-height: 6px;
}}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 3px; }}
QProgressBar[state="paused"]::chunk {{ background: {WARNING}; }}
QScrollArea {{ border: none; background: transparent; }}
QScrollArea > QWidget > QWidget#scrollContents {{ background: transparent; }}
QTabWidget::pane {{ border: 1px solid {BORDER}; border-radius: 4px; top: -1px; }}
QTabBar::tab {{
    background: transparent; color: {MUTED_TEXT}; padding: 6px 14px;
    border-bottom: 2px solid transparent;
}}
QTabBar::tab:selected {{ color: {TEXT}; border-bottom-color: {ACCENT}; }}
QTabBar::tab:hover {{ color: {TEXT}; }}
QGroupBox {{
    border: 1px solid {BORDER}; border-radius: 6px; margin-top: 14px; padding: 10px 8px 8px 8px;
}}
QGroupBox::title {{
    subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {TEXT}; font-weight: 600;
}}
"""


def apply_style(app: QApplication) -> None:
    """Fusion + the dark palette + the stylesheet, for the whole application."""
    if app.style().name().lower() != "fusion":  # often already Fusion: a new one costs ~8 ms
        fusion = QStyleFactory.create("Fusion")
        if fusion is not None:
            app.setStyle(fusion)
    app.setPalette(_palette())
    font = app.font()
    if font.pointSizeF() < 9.5:
        font.setPointSizeF(9.5)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)


def repolish(widget: QWidget) -> None:
    """Re-applies the stylesheet after a dynamic property that it matches has changed."""
    style = widget.style()
    style.unpolish(widget)  # also drops rules cached before the property changed
    if widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
        style.polish(widget)
        widget.update()
    # else not shown yet: its first polish reads the property (most of the first frame)


def set_role(widget: QWidget, role: str) -> None:
    """Marks a label as "error", "warning", "muted", "heading", "title" or "success" text."""
    if (widget.property("role") or "") != role:
        widget.setProperty("role", role)
        repolish(widget)


def set_error_state(widget: QWidget, error: bool) -> None:
    """Gives an editor the red error border (or takes it away)."""
    if bool(widget.property("error")) != error:
        widget.setProperty("error", error)
        repolish(widget)


def make_primary(button: QWidget) -> None:
    button.setProperty("primary", True)
    repolish(button)


def make_link(button: QWidget) -> None:
    button.setProperty("link", True)
    repolish(button)
