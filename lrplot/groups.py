"""Optimizer param groups: several LRs in one run, one curve per group.

A real run often gives its param groups different LRs: a backbone at 0.1x the head,
or layer-wise LR decay (BEiT, timm's ``layer_decay``). :class:`Groups` is that list
of (name, scale): group ``i``'s optimizer lr is ``lr * scale_i`` (Python's float
product), and the schedule runs on each group with that base LR, as PyTorch does with
its per-group ``base_lrs``. A schedule's parameters that PyTorch takes per group (a
list: OneCycleLR's ``max_lr``, CyclicLR's ``base_lr`` and ``max_lr``; the
declaration's ``group_lrs``) are scaled the same way; every other parameter
(CosineAnnealingLR's ``eta_min``, ReduceLROnPlateau's ``min_lr``) is shared.

Two ways to give them:

* ``groups``: ``NAME=SCALE`` items (``--group backbone=0.1 --group head=1``; a
  comma list ``"backbone=0.1,head=1"``, a list of such items, or a table / dict
  ``{backbone = 0.1, head = 1}``), in the optimizer's order;
* ``layer_decay`` D with ``num_layers`` L: timm's ``param_groups_layer_decay``
  (timm 1.0.31, optim/_param_groups.py) on a VisionTransformer of L blocks (its
  ``group_matcher``): layer id 0 is the stem (cls token, position embedding, patch
  embedding), 1 .. L the blocks (the final norm joins block L), L+1 the head;
  ``layer_scales = [D ** (L+1 - i) for i in range(L+2)]`` (Python's ``**``; timm's
  ``min_scale`` 0 changes nothing), groups named ``layer_{i}``. timm splits each
  layer into a ``_decay`` and a ``_no_decay`` group of the same LR; lrplot shows one.
  With a torch scheduler each group gets the base lr ``lr * scale``; timm's own
  schedulers (the declarations' ``scale_after``) keep one base lr and multiply their
  value by the group's ``lr_scale``, as timm's ``Scheduler.update_groups`` does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .params import FLOAT, GROUPS, INT, PARSERS, LrplotError, Param, ParamError, format_value

MAX_GROUPS = 1000
MAX_LAYERS = 998  # layer ids 0 .. L+1: at most MAX_GROUPS groups
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")

PARAMS: tuple[Param, ...] = (
    Param(
        "groups",
        GROUPS,
        "optimizer param groups, NAME=SCALE each (repeat --group): group NAME's lr is "
        "lr x SCALE, and the schedule runs on each",
        None,
    ),
    Param(
        "layer_decay",
        FLOAT,
        "layer-wise LR decay (timm's layer_decay): with --num-layers L, groups layer_0 .. "
        "layer_{L+1} at lr x D ** (L+1 - i)",
        None,
        low=0,
        low_open=True,
        high=1,
    ),
    Param(
        "num_layers",
        INT,
        "the model's blocks for --layer-decay (12 for ViT-B)",
        None,
        low=1,
        high=MAX_LAYERS,
    ),
)
NAMES = tuple(p.name for p in PARAMS)


@dataclass(frozen=True)
class Groups:
    """Param groups: names and LR scales, in the optimizer's order."""

    names: tuple[str, ...]
    scales: tuple[float, ...]
    layer_decay: float | None = None  # set when they come from layer_decay
    num_layers: int | None = None

    def __len__(self) -> int:
        return len(self.names)

    @classmethod
    def layers(cls, decay: float, num_layers: int) -> Groups:
        """timm's layer_scales for a model of ``num_layers`` blocks (module docstring)."""
        top = num_layers + 1
        scales = tuple(decay ** (top - i) for i in range(top + 1))
        return cls(tuple(f"layer_{i}" for i in range(top + 1)), scales, decay, num_layers)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Groups | None:
        """The groups from bound run values (groups, layer_decay, num_layers); None
        when none is given."""
        items, decay, layers = (
            values.get("groups"),
            values.get("layer_decay"),
            values.get("num_layers"),
        )
        if items is not None and (decay is not None or layers is not None):
            other = "layer_decay" if decay is not None else "num_layers"
            raise ParamError(
                other,
                f"{other} and groups both give the param groups: give groups "
                "(NAME=SCALE each) or layer_decay with num_layers",
            )
        if items is not None:
            names = tuple(name for name, _ in items)
            return cls(names, tuple(scale for _, scale in items))
        if decay is None and layers is None:
            return None
        if decay is None:
            raise ParamError("num_layers", "num_layers is for layer_decay: give layer_decay too")
        if layers is None:
            raise ParamError(
                "layer_decay",
                "layer_decay needs num_layers (the model's blocks, e.g. 12 for ViT-B)",
            )
        return cls.layers(decay, layers)

    def options(self) -> list[str]:
        """The command-line words that give these groups: ``--group a=0.1 ...`` or
        ``--layer-decay D --num-layers L``."""
        if self.layer_decay is not None:
            return [
                "--layer-decay",
                format_value(self.layer_decay),
                "--num-layers",
                str(self.num_layers),
            ]
        out = []
        for name, scale in zip(self.names, self.scales, strict=True):
            out += ["--group", f"{name}={format_value(scale)}"]
        return out

    @property
    def many(self) -> bool:
        """Too many to show one by one (a table column, a legend entry each)."""
        return len(self) > FEW

    def column(self, i: int) -> str:
        """Group i's column in the table and the CSV: ``lr[backbone]``."""
        return f"lr[{self.names[i]}]"

    def describe(self) -> str:
        """``2 groups: backbone x0.1, head x1`` or ``14 groups (layer decay 0.65, 12
        layers): layer_0 x0.65**13 .. layer_13 x1``."""
        if self.layer_decay is not None:
            top = len(self) - 1
            return (
                f"{len(self)} groups (layer decay {format_value(self.layer_decay)}, "
                f"{self.num_layers} layers): {self.names[0]} x{format_value(self.layer_decay)}"
                f"**{top} .. {self.names[-1]} x1"
            )
        listed = ", ".join(
            f"{n} x{format_value(s)}" for n, s in zip(self.names, self.scales, strict=True)
        )
        return f"{len(self)} group{'s' if len(self) != 1 else ''}: {listed}"


FEW = 4  # at most this many groups get a table column and a legend entry each


def _parse(value: Any, param: Param, run: Any = None) -> tuple[tuple[str, float], ...]:
    """``NAME=SCALE`` items from text, a list of texts, or a mapping."""
    pairs: list[tuple[Any, Any]] = []
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, tuple) and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        pairs = list(value)  # (name, scale) pairs: parsed already
    else:
        texts = [value] if isinstance(value, str) else value
        if not isinstance(texts, (list, tuple)) or not all(isinstance(t, str) for t in texts):
            raise ParamError(
                "groups", f"groups must be NAME=SCALE items, got {format_value(value)!r}"
            )
        for text in texts:
            for item in text.split(","):
                item = item.strip()
                if not item:
                    continue
                name, eq, scale = item.partition("=")
                if not eq:
                    raise ParamError(
                        "groups",
                        f"groups: {item!r} is not NAME=SCALE (e.g. backbone=0.1)",
                    )
                pairs.append((name.strip(), scale.strip()))
    if not pairs:
        raise ParamError("groups", "groups needs at least one NAME=SCALE item")
    if len(pairs) > MAX_GROUPS:
        raise ParamError("groups", f"groups: at most {MAX_GROUPS} groups, got {len(pairs)}")
    out: list[tuple[str, float]] = []
    for name, raw in pairs:
        if not isinstance(name, str) or NAME.fullmatch(name) is None:
            raise ParamError(
                "groups",
                f"groups: {name!r} is not a group name (letters, digits, _ . -; "
                "not starting with a digit)",
            )
        if any(name == seen for seen, _ in out):
            raise ParamError("groups", f"groups: {name!r} is given twice")
        scale = _scale(name, raw)
        out.append((name, scale))
    return tuple(out)


def _scale(name: str, raw: Any) -> float:
    try:
        if isinstance(raw, bool):
            raise ValueError
        scale = float(raw)
    except (TypeError, ValueError):
        scale = math.nan
    if not math.isfinite(scale) or scale <= 0:
        raise ParamError(
            "groups",
            f"groups: the scale of {name!r} must be a number > 0, got {format_value(raw)!r}",
        )
    return scale


PARSERS[GROUPS] = _parse


def check_sizes(groups: Groups | None, total_steps: int, limit: int) -> None:
    """One LR array per group: the run times the groups stays within ``limit`` values."""
    if groups is not None and len(groups) * total_steps > limit:
        raise LrplotError(
            f"{len(groups)} groups x {total_steps:,} steps is more than {limit:,} LR values: "
            "a shorter run, or fewer groups"
        )


__all__ = ["FEW", "NAMES", "PARAMS", "Groups", "check_sizes"]
