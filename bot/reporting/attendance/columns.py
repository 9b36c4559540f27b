"""The words of attendance reports: column names and values in English, Spanish, French, Portuguese.

Every platform and language is read through these tables. To support another language or a new
export, add its column heading to the role it plays (headings are compared without case,
accents or extra spaces); a column takes the first role, in the order below, that names it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

COLUMN_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "name": (
        "name (original name)",
        "user name (original name)",
        "display name",
        "nome de exibicao",
        "nombre para mostrar",
        "nom d'affichage",
        "full name",
        "nom complet",
        "nombre completo",
        "nome completo",
        "participant name",
        "participant",
        "user name",
        "attendee name",
        "nombre (nombre original)",
        "nome (nome original)",
        "nom (nom d'origine)",
        "nom d'utilisateur (nom d'origine)",
        "nombre de usuario (nombre original)",
        "nome de usuario (nome original)",
        "imie i nazwisko",
        "name",
        "nom",
        "nombre",
        "nome",
    ),
    "first_name": ("first name", "prenom", "nombre de pila", "primeiro nome", "nome"),
    "last_name": ("last name", "surname", "nom de famille", "apellido", "apellidos", "sobrenome"),
    "email": (
        "email",
        "e-mail",
        "user email",
        "email address",
        "e-mail address",
        "attendee email",
        "participant email",
        "correo electronico",
        "correo electronico del usuario",
        "e-mail del usuario",
        "correo",
        "courriel",
        "adresse e-mail",
        "adresse de messagerie",
        "e-mail do convidado",
        "email do convidado",
        "e-mail do usuario",
        "e-mail do participante",
    ),
    "join": (
        "join time",
        "join time (utc)",
        "hora de entrada",
        "hora para unirse",
        "hora de union",
        "ingressar na hora",
        "hora da entrada",
        "hora de entrada (utc)",
        "heure d'arrivee",
        "heure de connexion",
        "heure d'entree",
    ),
    "leave": (
        "leave time",
        "leave time (utc)",
        "hora de salida",
        "hora para salir",
        "hora de saida",
        "hora da saida",
        "heure de depart",
        "heure de deconnexion",
        "heure de sortie",
    ),
    "first_join": (
        "first join",
        "time joined",
        "premiere arrivee",
        "primera entrada",
        "primeira entrada",
        "primera union",
    ),
    "last_leave": (
        "last leave",
        "time exited",
        "dernier depart",
        "ultima salida",
        "ultima saida",
    ),
    "duration": (
        "duration (minutes)",
        "total duration (minutes)",
        "time in session (minutes)",
        "in-meeting duration",
        "attendance duration",
        "duration",
        "duracion (minutos)",
        "duracion total (minutos)",
        "duracion en la reunion",
        "tiempo en la sesion (minutos)",
        "duracion",
        "duracao (minutos)",
        "duracao total (minutos)",
        "duracao da presenca",
        "duracao na reuniao",
        "tempo na sessao (minutos)",
        "duracao",
        "duree (minutes)",
        "duree totale (minutes)",
        "duree dans la reunion",
        "temps dans la session (minutes)",
        "duree",
    ),
    "action": ("user action", "action", "accion del usuario", "accion", "acao do usuario", "acao"),
    "timestamp": ("timestamp", "marca de tiempo", "horodatage", "carimbo de data/hora"),
    "role": ("role", "rol", "funcao", "funcion", "participant role"),
    "attended": ("attended", "asistio", "compareceu", "a participe", "present"),
    "waiting_room": (
        "in waiting room",
        "en sala de espera",
        "na sala de espera",
        "en salle d'attente",
    ),
}

# Cells of a summary (meeting data) block: when the meeting started and who hosted it.
SUMMARY_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "start": (
        "start time",
        "actual start time",
        "meeting start time",
        "hora de inicio",
        "heure de debut",
        "data de inicio da reuniao",
        "hora de inicio da reuniao",
    ),
    "host_email": (
        "user email",
        "host email",
        "e-mail do anfitriao",
        "correo electronico del anfitrion",
        "e-mail de l'hote",
    ),
}

YES: Final = frozenset({"yes", "y", "si", "sim", "oui", "true", "1"})
NO: Final = frozenset({"no", "n", "nao", "non", "false", "0"})
HOST_ROLES: Final = frozenset(
    {
        "host",
        "co-host",
        "cohost",
        "organizer",
        "organiser",
        "organisateur",
        "organisatrice",
        "organizador",
        "organizadora",
        "anfitrion",
        "anfitriao",
        "hote",
        "coorganizador",
    }
)
PANELIST_ROLES: Final = frozenset(
    {
        "panelist",
        "panelista",
        "painelista",
        "paneliste",
        "presenter",
        "presentateur",
        "presentatrice",
        "presentador",
        "presentadora",
        "apresentador",
        "apresentadora",
    }
)
HOST_SECTIONS: Final = frozenset(
    {"host details", "detalles del anfitrion", "detalhes do anfitriao", "details de l'hote"}
)
PANELIST_SECTIONS: Final = frozenset(
    {
        "panelist details",
        "detalles del panelista",
        "detalhes do painelista",
        "details du paneliste",
    }
)
JOINED: Final = frozenset(
    {
        "joined",
        "joined before",
        "se unio",
        "se unio antes",
        "a rejoint",
        "a rejoint avant",
        "entrou",
    }
)
LEFT: Final = frozenset({"left", "salio", "a quitte", "saiu"})


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """A heading or value without case, accents, BOM, quotes or extra spaces."""
    text = unicodedata.normalize("NFKD", text.replace("\ufeff", ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("\u2019", "'")
    return " ".join(text.strip().strip('"').casefold().split())


_ALIAS_INDEX: Final = {
    role: {fold(alias): rank for rank, alias in enumerate(aliases)}
    for role, aliases in COLUMN_ALIASES.items()
}
_SUMMARY_INDEX: Final = {
    role: frozenset(fold(alias) for alias in aliases) for role, aliases in SUMMARY_ALIASES.items()
}
_NUMBERED_SECTION: Final = re.compile(r"^\d+\.\s+\S")


def column_roles(header: list[str]) -> dict[str, int]:
    """The column index of each role this header row names (each column used once)."""
    cells = [fold(cell) for cell in header]
    roles: dict[str, int] = {}
    taken: set[int] = set()
    for role, aliases in _ALIAS_INDEX.items():
        found = [
            (aliases[cell], index)
            for index, cell in enumerate(cells)
            if cell in aliases and index not in taken
        ]
        if found:
            roles[role] = min(found)[1]
            taken.add(roles[role])
    return roles


def summary_roles(header: list[str]) -> dict[str, int]:
    """The column index of the start time and host e-mail in a summary header row."""
    cells = [fold(cell) for cell in header]
    return {
        role: cells.index(next(cell for cell in cells if cell in aliases))
        for role, aliases in _SUMMARY_INDEX.items()
        if any(cell in aliases for cell in cells)
    }


def summary_key(cell: str) -> str | None:
    """The summary role of a `key<TAB>value` line's key (Teams' summary), or None."""
    folded = fold(cell)
    return next((role for role, aliases in _SUMMARY_INDEX.items() if folded in aliases), None)


def is_section_title(cells: list[str]) -> bool:
    """Whether a row is a section title, e.g. 'Attendee Details' or '2. Participants'."""
    filled = [cell for cell in cells if cell.strip()]
    return (
        len(filled) == 1
        and bool(cells[0].strip())
        and (
            _NUMBERED_SECTION.match(cells[0].strip()) is not None
            or fold(cells[0]).endswith("details")
            or fold(cells[0]) in HOST_SECTIONS | PANELIST_SECTIONS
            or fold(cells[0]).startswith(("detalles", "detalhes", "details"))
        )
    )
