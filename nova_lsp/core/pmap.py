"""A persistent (immutable, structure-sharing) map: a hash array mapped trie of small dicts.

The secret-flow walk keeps the state of every local name before every statement.  Copying a
dict per statement makes that quadratic in time and memory for a module of thousands of
functions or imports (each ``def`` adds a name to the module's state).  A ``PMap`` update
copies only the path to one leaf (at most 13 dicts of up to 32 entries), every version shares
the rest, and ``changed_keys`` compares two versions by skipping the parts they share, so a
join of two branches costs what the branches changed, not the size of the state.

``edit()`` gives a ``Transient``: a mutable overlay for a batch of changes, turned into a new
map by ``done()``.
"""

from __future__ import annotations

from typing import Any, Iterator

_MISSING = object()
_BITS = 5
_MASK = (1 << _BITS) - 1
_HASH_MASK = (1 << 64) - 1
_MAX_SHIFT = 60  # past 64 bits of hash: keys with equal hashes share a collision list


def _hash(key) -> int:
    return hash(key) & _HASH_MASK


def _get(node: dict, h: int, shift: int, key, default):
    while True:
        slot = node.get((h >> shift) & _MASK)
        if slot is None:
            return default
        kind = type(slot)
        if kind is tuple:
            return slot[1] if slot[0] == key else default
        if kind is dict:
            node = slot
            shift += _BITS
            continue
        for k, v in slot:  # a collision list
            if k == key:
                return v
        return default


def _set(node: dict, h: int, shift: int, key, value) -> tuple[dict, bool]:
    """(the new node, whether a key was added); the same node when nothing changes."""
    index = (h >> shift) & _MASK
    slot = node.get(index)
    if slot is None:
        new = dict(node)
        new[index] = (key, value)
        return new, True
    kind = type(slot)
    if kind is tuple:
        old_key, old_value = slot
        if old_key == key:
            if old_value is value:
                return node, False
            new = dict(node)
            new[index] = (key, value)
            return new, False
        if shift >= _MAX_SHIFT:
            child: Any = [slot, (key, value)]
        else:
            child, _ = _set({}, _hash(old_key), shift + _BITS, old_key, old_value)
            child, _ = _set(child, h, shift + _BITS, key, value)
        new = dict(node)
        new[index] = child
        return new, True
    if kind is dict:
        child, added = _set(slot, h, shift + _BITS, key, value)
        if child is slot:
            return node, False
        new = dict(node)
        new[index] = child
        return new, added
    entries = list(slot)
    for position, (k, v) in enumerate(entries):
        if k == key:
            if v is value:
                return node, False
            entries[position] = (key, value)
            new = dict(node)
            new[index] = entries
            return new, False
    entries.append((key, value))
    new = dict(node)
    new[index] = entries
    return new, True


def _items(node: dict) -> Iterator[tuple]:
    stack = [node]
    while stack:
        current = stack.pop()
        for slot in current.values():
            kind = type(slot)
            if kind is tuple:
                yield slot
            elif kind is dict:
                stack.append(slot)
            else:
                yield from slot


def _keys_of(slot) -> Iterator:
    kind = type(slot)
    if kind is tuple:
        yield slot[0]
    elif kind is dict:
        for key, _ in _items(slot):
            yield key
    else:
        for key, _ in slot:
            yield key


def _diff(a: dict, b: dict, out: set) -> None:
    """Keys whose values differ (by identity) or that only one side has."""
    if a is b:
        return
    for index in a.keys() | b.keys():
        x = a.get(index)
        y = b.get(index)
        if x is y:
            continue
        if type(x) is dict and type(y) is dict:
            _diff(x, y, out)
            continue
        left = dict(_pairs(x))
        right = dict(_pairs(y))
        for key in left.keys() | right.keys():
            if left.get(key, _MISSING) is not right.get(key, _MISSING):
                out.add(key)


def _pairs(slot) -> Iterator[tuple]:
    if slot is None:
        return
    kind = type(slot)
    if kind is tuple:
        yield slot
    elif kind is dict:
        yield from _items(slot)
    else:
        yield from slot


class PMap:
    """An immutable mapping; ``set`` returns a new map sharing structure with this one."""

    __slots__ = ("_root", "_len")

    def __init__(self, root: dict | None = None, length: int = 0) -> None:
        self._root = root if root is not None else {}
        self._len = length

    @classmethod
    def of(cls, items) -> "PMap":
        found = cls().edit()
        for key, value in dict(items).items():
            found[key] = value
        return found.done()

    def get(self, key, default=None):
        return _get(self._root, _hash(key), 0, key, default)

    def __getitem__(self, key):
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key) -> bool:
        return self.get(key, _MISSING) is not _MISSING

    def __len__(self) -> int:
        return self._len

    def __iter__(self):
        return (key for key, _ in _items(self._root))

    def items(self):
        return _items(self._root)

    def keys(self):
        return iter(self)

    def set(self, key, value) -> "PMap":
        root, added = _set(self._root, _hash(key), 0, key, value)
        if root is self._root:
            return self
        return PMap(root, self._len + added)

    def edit(self) -> "Transient":
        return Transient(self)

    def changed_keys(self, other: "PMap") -> set:
        """Keys that ``other`` holds differently (another value object, or only one side)."""
        out: set = set()
        _diff(self._root, other._root, out)
        return out

    def __repr__(self) -> str:
        return f"PMap({dict(self.items())!r})"


class Transient:
    """Changes to a ``PMap`` collected in a dict; reads see them.  ``done()`` applies them."""

    __slots__ = ("base", "changes")

    def __init__(self, base: PMap) -> None:
        self.base = base
        self.changes: dict = {}

    def get(self, key, default=None):
        value = self.changes.get(key, _MISSING)
        if value is not _MISSING:
            return value
        return self.base.get(key, default)

    def __contains__(self, key) -> bool:
        return key in self.changes or key in self.base

    def __setitem__(self, key, value) -> None:
        self.changes[key] = value

    def __getitem__(self, key):
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def update(self, other) -> None:
        items = other.changes.items() if isinstance(other, Transient) else other.items()
        for key, value in items:
            self.changes[key] = value

    def done(self) -> PMap:
        result = self.base
        for key, value in self.changes.items():
            result = result.set(key, value)
        return result
