"""The page as text: Chromium's accessibility tree (CDP ``Accessibility.getFullAXTree``) with element ids.

Ids are the ``data-lbi`` numbers the page's elements get in DOM order just before each observation
(``NUMBER_ELEMENTS``), so the same page gives the same ids in every episode. Only elements an agent can act on
show an id (``[12] link 'New Ticket'``). Ignored, invisible and nameless container nodes are left out (their
children move up), and text that repeats its parent's name is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NUMBER_ELEMENTS = """() => {
  let n = 0;
  const options = {};
  for (const el of document.querySelectorAll('*')) {
    el.setAttribute('data-lbi', String(n++));
    if (el.tagName === 'SELECT') options[el.getAttribute('data-lbi')] = Array.from(el.options, o => o.label);
  }
  const active = document.activeElement;
  return {focused: active && active !== document.body ? active.getAttribute('data-lbi') : null, options};
}"""
MAX_OPTIONS = 25
ACTIONABLE = {"link", "button", "textbox", "searchbox", "combobox", "checkbox", "radio", "option", "menuitem",
              "tab", "listbox", "spinbutton", "slider", "switch", "menuitemcheckbox", "menuitemradio", "treeitem"}
CONTAINERS = {"generic", "none", "presentation", "paragraph", "list", "listitem", "LineBreak", "Section", "group",
              "LayoutTable", "LayoutTableRow", "LayoutTableCell", "strong", "emphasis", "code", "time", "mark",
              "superscript", "subscript", "DescriptionList", "term", "definition", "Abbr", "blockquote", "Pre",
              "sectionheader", "sectionfooter", "contentinfo", "banner", "main", "article", "Ruby", "figure",
              "ListMarker", "label", "LabelText", "Legend", "status", "log", "note", "region", "row", "rowgroup"}
SKIPPED = {"InlineTextBox", "MenuListPopup", "ListMarker"}
CELLS = {"cell", "gridcell", "rowheader", "columnheader"}
FLAGS = ("focused", "checked", "selected", "expanded", "disabled", "required", "readonly")
MAX_DEPTH = 12
MAX_NAME_CHARS = 160


@dataclass(frozen=True)
class Line:
    text: str
    y: float  # top of the element on the page (CSS pixels), to cut around the viewport


@dataclass(frozen=True)
class Element:
    id: str
    role: str
    name: str

    def describe(self) -> str:
        return f"[{self.id}] {self.role} {quote(self.name)}"


def quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_NAME_CHARS:
        text = text[:MAX_NAME_CHARS] + "…"
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def dom_index(snapshot: dict[str, Any]) -> tuple[dict[int, str], dict[int, float]]:
    """From a DOMSnapshot: backend node id -> data-lbi, and backend node id -> top y of its layout box."""
    strings = snapshot["strings"]
    document = snapshot["documents"][0]
    nodes = document["nodes"]
    ids: dict[int, str] = {}
    for index, backend in enumerate(nodes["backendNodeId"]):
        attributes = nodes["attributes"][index]
        for k in range(0, len(attributes) - 1, 2):
            if strings[attributes[k]] == "data-lbi":
                ids[backend] = strings[attributes[k + 1]]
    tops: dict[int, float] = {}
    layout = document["layout"]
    for node_index, bounds in zip(layout["nodeIndex"], layout["bounds"]):
        backend = nodes["backendNodeId"][node_index]
        if bounds[2] > 0 and bounds[3] > 0:
            tops.setdefault(backend, bounds[1])
    return ids, tops


def render(ax_nodes: list[dict[str, Any]], ids: dict[int, str], tops: dict[int, float],
           options: dict[str, list[str]] | None = None) -> tuple[list[Line], dict[str, Element]]:
    """The tree's lines in document order, and every actionable element shown, by id."""
    by_id = {node["nodeId"]: node for node in ax_nodes}
    lines: list[Line] = []
    elements: dict[str, Element] = {}
    if not ax_nodes:
        return lines, elements

    def visit(node: dict[str, Any], depth: int, parent_name: str, y: float) -> None:
        backend = node.get("backendDOMNodeId")
        y = tops.get(backend, y)
        role = _value(node, "role")
        name = " ".join(str(_value(node, "name") or "").split())
        children = [by_id[c] for c in node.get("childIds", []) if c in by_id]
        if role in SKIPPED:
            return
        shown = not node.get("ignored") and role != "RootWebArea"
        if shown and role in CELLS and (not name or any(_actionable_below(child, by_id) for child in children)):
            shown = False
        if shown and role in CONTAINERS and not name:
            shown = False
        if shown and role == "StaticText" and (not name or name in parent_name):
            shown = False
        if shown and role in ACTIONABLE and backend is not None and backend not in tops:
            shown = False  # not rendered (display: none, zero size): not something to act on
        if shown:
            element_id = ids.get(backend) if role in ACTIONABLE or _flag(node, "focusable") else None
            head = f"[{element_id}] " if element_id is not None else ""
            label = f"{role} {quote(name)}" if name else role
            listed = _options((options or {}).get(element_id or "", []))
            line = f"{' ' * min(depth, MAX_DEPTH)}{head}{label}{_details(node, role)}{listed}"
            lines.append(Line(line, y))
            if element_id is not None:
                elements[element_id] = Element(element_id, role, name)
            if role == "StaticText" or role in ACTIONABLE and role != "listbox":
                return
            depth += 1
            parent_name = name
        for child in children:
            visit(child, depth, parent_name, y)

    visit(ax_nodes[0], 0, "", 0.0)
    return lines, elements


def _actionable_below(node: dict[str, Any], by_id: dict[str, dict[str, Any]], depth: int = 0) -> bool:
    if _value(node, "role") in ACTIONABLE:
        return True
    return depth < 4 and any(_actionable_below(by_id[c], by_id, depth + 1) for c in node.get("childIds", [])
                             if c in by_id)


def _options(labels: list[str]) -> str:
    if not labels:
        return ""
    shown = ", ".join(quote(label) for label in labels[:MAX_OPTIONS])
    more = f", … {len(labels) - MAX_OPTIONS} more" if len(labels) > MAX_OPTIONS else ""
    return f", options: {shown}{more}"


def _value(node: dict[str, Any], key: str) -> Any:
    return (node.get(key) or {}).get("value")


def _flag(node: dict[str, Any], name: str) -> bool:
    return any(p["name"] == name and p.get("value", {}).get("value") for p in node.get("properties", []))


def _details(node: dict[str, Any], role: str) -> str:
    parts = []
    value = _value(node, "value")
    if role in ("textbox", "searchbox", "combobox", "spinbutton", "slider") and value not in (None, ""):
        parts.append(f"value={quote(str(value))}")
    for prop in node.get("properties", []):
        setting = prop.get("value", {}).get("value")
        if prop["name"] in FLAGS and setting not in (None, False, "false"):
            parts.append(prop["name"] if setting in (True, "true") else f"{prop['name']}={setting}")
    return ", " + ", ".join(parts) if parts else ""
