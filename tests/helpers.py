"""Small helpers for tests: write a file, snapshot a folder."""

from __future__ import annotations

from pathlib import Path

SIGNER_FIXTURES = Path(__file__).parent / "fixtures" / "signers"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file below a folder with its mtime and bytes: to prove nothing changed."""
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*")) if p.is_file()
    } if folder.exists() else {}



def personal_data(fixture: str) -> list[str]:
    """Every name and email cell of a signer fixture (4+ characters): none may reach a message."""
    raw = (SIGNER_FIXTURES / fixture).read_bytes()
    text = ""
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    cells: list[str] = []
    for line in text.splitlines()[1:]:
        for cell in line.replace("\t", ",").split(","):
            cell = cell.strip().strip('"')
            if len(cell) >= 4:
                cells.append(cell)
    return cells
