"""The schedule registry: what a schedule is, and how one is declared and found.

Every schedule is declared once, with :func:`schedule`. Its function receives the
number of scheduler steps ``count`` and returns, as a float64 array of that
length, ``lr[j]``: the optimizer's learning rate after ``j`` calls to
``scheduler.step()`` (``lr[0]`` is the LR right after the scheduler is built).
The declaration's parameters drive the CLI options, SPEC and config parsing,
validation, help and ``lrplot list``.

Compositions (``sequential`` = SequentialLR, ``chained`` = ChainedScheduler, in
compose.py) need more than that array: PyTorch steps each child *on the shared
optimizer LR*, so they need each child's own step-by-step behaviour. A schedule
opts in with ``@schedule(..., emulator=SomeTorchScheduler)``, a subclass of
:class:`TorchScheduler` below: a line-by-line, scalar transliteration of the
PyTorch class (one param group, Python floats, the same operations in the same
order). Without an emulator a schedule cannot be a child of a composition (the
user gets a clear error). ``check=`` gives a declaration a cross-parameter check
run after every parameter has been parsed (raise ParamError naming the parameter).
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from .._lazy import np

from ..params import SCHEDULES, LrplotError, Param, ParamError, bind, format_value
from .declare import DEFAULT_EMIT, FRAMEWORKS, TORCH, Emit, Explain
from .warmup import NAMES as WARMUP_NAMES
from .warmup import Warmup

LrFunction = Callable[[int, float, Mapping[str, Any], Any], Any]  # -> np.ndarray
Check = Callable[[Mapping[str, Any]], None]  # raises ParamError(name, message)
# a lint rule of the schedule's own: (part, settings, trace) -> findings (lrplot.lint)
PartRule = Callable[..., Any]


class TorchScheduler:
    """A scalar replay of one ``torch.optim.lr_scheduler`` object: the emulator hook.

    This base class is ``LRScheduler`` itself (torch 2.x), transliterated: the
    constructor (with ``last_epoch=-1``), ``_initial_step``, ``step`` and
    ``_update_lr``, on one param group. A subclass is the PyTorch class:

    * ``__init__(self, group, values)``: ``group`` is the optimizer's param group,
      a dict shared by every child of a composition (``{"lr": lr, "momentum": 0.0}``
      for lrplot's SGD, plus ``"initial_lr"`` once a scheduler has been built on
      it); ``values`` are the schedule's bound parameters. Set your attributes,
      do what PyTorch's constructor does to ``group`` before ``super().__init__``
      (CyclicLR/OneCycleLR write ``group["lr"]``/``group["initial_lr"]``), then call
      ``super().__init__(group, values)``, which runs ``_initial_step`` exactly as
      PyTorch does (``self._is_initial`` is True during it).
    * ``get_lr(self) -> float`` (required): PyTorch's ``get_lr`` for the one group,
      reading ``self.group["lr"]``, ``self.base_lr``, ``self.last_epoch``,
      ``self._step_count`` and ``self._is_initial``. Return ``self.group["lr"]``
      where PyTorch returns the LR untouched.
    * ``closed_form(self) -> float`` (define it iff PyTorch defines
      ``_get_closed_form_lr``): SequentialLR calls ``_update_lr(0)`` on a child at
      its milestone, which uses the closed form when there is one and ``get_lr``
      (non-initial, on the current LR) otherwise.
    * ``step(self)``: override only where PyTorch does (CosineAnnealingWarmRestarts).
    * ``factors(self, lo, hi)`` (optional, speed): a float64 array ``f`` with
      ``get_lr() == group["lr"] * f[t - lo]`` bit for bit at ``last_epoch = t``,
      for t = lo .. hi-1 (non-initial steps); 1.0 where PyTorch leaves the LR
      untouched; NaN at a step that is not such a product (that step is then
      replayed with ``step()``). Return None when there is no fast form. Define it
      only if ``step()`` changes nothing but ``last_epoch``, ``_step_count`` and
      ``group["lr"]``. ChainedScheduler of children with factors is one
      ``np.cumprod`` over the interleaved factors (PyTorch's exact bits).
    * ``advance(self, count)`` (optional, speed): the LRs after each of ``count``
      further ``step()`` calls, leaving the state as they would. The default uses
      ``factors`` (else a plain loop); override it with a vectorized form when the
      recurrence is not a product (cosine with eta_min > 0 replays it exactly).

    Resuming (lrplot.resume) uses three more hooks:

    * ``last_epoch`` (the constructor's third argument): PyTorch's own, for a
      scheduler rebuilt on a restored optimizer; not -1, the group must hold
      ``initial_lr`` (PyTorch raises KeyError). Subclasses that write the group in
      their constructor do so only where PyTorch does (``last_epoch == -1``).
    * ``restored(group, values)``: ``torch.save`` + ``load_state_dict``, a deep copy
      of the state on the restored group; ``unsaved`` names the values PyTorch does
      not save (functions), which come from ``values`` (then ``reloaded()``).
    * ``record(count)``: the LR and momentum of the next ``count`` steps (step by
      step unless overridden: CyclicLR and OneCycleLR have closed forms).

    tests/test_compose.py checks, for every registered schedule with an emulator,
    that the emulator alone reproduces the schedule's own ``lr_fn``.
    """

    # the values PyTorch's state_dict() does not carry (functions: LambdaLR's lr_lambda):
    # a restored scheduler keeps the ones it was built with
    unsaved: tuple[str, ...] = ()

    def __init__(
        self, group: dict[str, Any], values: Mapping[str, Any], last_epoch: int = -1
    ) -> None:
        self.group = group
        self.values = values
        if last_epoch == -1:
            group.setdefault("initial_lr", group["lr"])
        elif "initial_lr" not in group:
            raise ParamError(
                "resume_mode",
                f"{type(self).__name__}(last_epoch={last_epoch}) needs 'initial_lr' in the "
                "optimizer's param group (PyTorch raises KeyError): load the optimizer's "
                "state first",
            )
        self.base_lr: float = group["initial_lr"]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = False
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def step(self) -> None:
        self._step_count += 1
        self._update_lr(None)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            value = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "closed_form", None)
            value = closed() if closed is not None else self.get_lr()
        self.group["lr"] = value

    def get_lr(self) -> float:
        raise NotImplementedError

    def restored(self, group: dict[str, Any], values: Mapping[str, Any]) -> TorchScheduler:
        """PyTorch's ``torch.save(state_dict())`` then ``load_state_dict()`` into a
        scheduler built with ``values``, whose optimizer's param group is ``group``
        (restored too): a deep copy of this state on ``group``; only the ``unsaved``
        values (functions) are the new scheduler's."""
        clone = copy.deepcopy(self, {id(self.group): group})
        if self.unsaved:
            clone.values = {**self.values, **{k: values[k] for k in self.unsaved}}
            clone.reloaded()
        return clone

    def reloaded(self) -> None:
        """After :meth:`restored` changed ``unsaved`` values: rebuild what depends on them."""

    def record(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The LR and the momentum after each of the next ``count`` step() calls (one
        step at a time: for schedules that move the momentum)."""
        lr, momentum = np.empty(count), np.empty(count)
        for i in range(count):
            self.step()
            lr[i], momentum[i] = self.group["lr"], self.group.get("momentum", 0.0)
        return lr, momentum

    def factors(self, lo: int, hi: int) -> np.ndarray | None:
        return None

    def advance(self, count: int) -> np.ndarray:
        """The LR after each of the next ``count`` step() calls."""
        out = np.empty(count)
        done = 0
        lo = self.last_epoch + 1
        f = self.factors(lo, lo + count) if count else None
        if f is None:
            for i in range(count):
                self.step()
                out[i] = self.group["lr"]
            return out
        bad = np.flatnonzero(np.isnan(f)).tolist()
        for stop in [*bad, count]:
            if stop > done:  # steps done .. stop-1 are products: one cumprod
                out[done:stop] = chain(self.group["lr"], f[done:stop])[1:]
                self.last_epoch += stop - done
                self._step_count += stop - done
                self.group["lr"] = float(out[stop - 1])
                done = stop
            if stop < count:  # a step that is not a product: PyTorch's own code
                self.step()
                out[stop] = self.group["lr"]
                done = stop + 1
        return out


@dataclass(frozen=True)
class ScheduleDef:
    """A kind of schedule, declared once, in its own module: everything lrplot knows
    about it. The CLI, explain, check, --emit and the framework readers ask it; none
    of them names a schedule.

    Besides its name, parameters and LR function:

    * ``library``: where the class (or function) it reproduces lives
      (``reproduces`` = library + torch_class);
    * ``explain``: where its step() goes and the usual mistakes (declare.Explain);
    * ``lint``: its own check rules, ``rule(part, settings, trace) -> findings``
      (lrplot.rules.Part); ``run_length``: the parameters that measure the whole run
      in scheduler steps (the generic units rule checks them); ``zero_start``:
      ``(values, lr) -> (cause, fix)`` when the LR starts at 0 because of it;
      ``inner_warmup``: ``(part) -> (steps, option, bare schedule)`` for a warmup of
      its own that overlays the schedule;
    * ``emit``: how --emit writes it (declare.Emit);
    * ``known_as``: its names in other frameworks (declare.FRAMEWORKS keys);
    * ``spans``: for a composition, ``(values, steps) -> [(child, start, stop)]``,
      the stretch of its own steps each child drives;
    * ``from_torch``: ``(init_args) -> init_args``, a torch constructor's arguments
      as lrplot's (OneCycleLR's epochs x steps_per_epoch is total_steps);
    * ``every``: ``(values, frequency) -> values | (definition, values)``, the
      schedule stepped every ``frequency`` steps as one stepped every step (Lightning's
      frequency); None: no such form;
    * ``step_cap``: ``(values) -> calls``, the most step() calls Accelerate makes on it
      (AcceleratedScheduler stops stepping a scheduler with a ``total_steps``
      attribute, OneCycleLR, once its ``_step_count`` passes it);
    * ``lengths``: ``(values) -> [(name, value, new -> values)]``, the lengths the
      diagnosis of ``--against`` varies, when one takes several parameters together
      (SequentialLR's milestones move its children's lengths); None: each integer
      parameter alone;
    * ``no_warmup``: why lrplot's ``--warmup`` is refused on it (PyTorch has no one
      meaning for it), with the fix; "" when a warmup is fine.
    * ``resumer``: a TorchScheduler for a schedule that cannot be a child (the
      compositions), so that lrplot.resume can save, restore and rebuild it;
      ``resume``: ``(mode, before, after, trace, done) -> lr`` for one with no
      TorchScheduler (ReduceLROnPlateau's state; :func:`lambda_resume`);
    * ``group_lrs``: its LR parameters that PyTorch takes per param group (a list:
      OneCycleLR's max_lr), scaled with each group's LR (lrplot.groups) and with
      batch-size scaling; the others are shared by every group;
    * ``scale_after``: a param group's LR is the schedule's value times the group's
      scale (timm's ``lr_scale``, which its ``Scheduler.update_groups`` applies),
      rather than the schedule run on the group's own base LR (PyTorch's base_lrs);
    * ``group_fn``: ``(count, lr, group_lr, values, metric) -> LRs``, a param group's
      LR when the schedule reads the optimizer's default lr (the run's ``lr``) besides
      the group's own base lr (transformers' ``optimizer.defaults["lr"]``).
    """

    name: str
    torch_class: str
    summary: str
    formula: str
    params: tuple[Param, ...]
    lr_fn: LrFunction
    needs_metric: bool = False
    aliases: tuple[str, ...] = ()
    example: str = ""
    momentum_fn: LrFunction | None = None  # schedules that also cycle momentum
    emulator: type[TorchScheduler] | None = None  # step-by-step replay (compositions)
    check: Check | None = None  # cross-parameter check after parsing
    sets_lr: bool = False  # sets the LR itself (CyclicLR, OneCycleLR): the run's lr is unused
    library: str = TORCH
    explain: Explain | None = None
    lint: tuple[PartRule, ...] = ()
    run_length: tuple[str, ...] = ()
    zero_start: Callable[[Mapping[str, Any], float], tuple[str, str] | None] | None = None
    inner_warmup: Callable[[Any], tuple[int, str, Schedule] | None] | None = None
    emit: Emit = DEFAULT_EMIT
    known_as: Mapping[str, str] = field(default_factory=dict)
    spans: Callable[[Mapping[str, Any], int], list[tuple[Schedule, int, int]]] | None = None
    from_torch: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # -> the same schedule's values, or (another definition, its values)
    every: Callable[[Mapping[str, Any], int], Any] | None = None
    no_warmup: str = ""
    # the most step() calls Accelerate's AcceleratedScheduler makes on it: (values) ->
    # calls or None (a scheduler with a total_steps attribute, OneCycleLR, is stepped
    # only while its _step_count <= total_steps)
    step_cap: Callable[[Mapping[str, Any]], int | None] | None = None
    # its lengths, for --against's diagnosis: (values) -> [(name, value, new -> values)],
    # when changing one takes more than one parameter (SequentialLR's milestones); None:
    # each integer parameter alone
    lengths: Callable[[Mapping[str, Any]], Any] | None = None
    # resuming (lrplot.resume): a step-by-step model for a schedule that cannot be a
    # composition's child (SequentialLR, ChainedScheduler), used like ``emulator``
    resumer: type[TorchScheduler] | None = None
    # (mode, before, after, trace, steps done) -> the resumed LR, for a schedule with
    # no step-by-step model (ReduceLROnPlateau, transformers' LambdaLRs)
    resume: Callable[..., Any] | None = None

    @property
    def stepper(self) -> type[TorchScheduler] | None:
        """Its step-by-step model, as a composition's child or on its own."""
        return self.emulator or self.resumer

    group_lrs: tuple[str, ...] = ()
    scale_after: bool = False
    group_fn: Callable[..., Any] | None = None

    @property
    def reproduces(self) -> str:
        """The class (or function) it reproduces, e.g. torch.optim.lr_scheduler.StepLR."""
        return f"{self.library}.{self.torch_class}"

    @property
    def children(self) -> Param | None:
        """The parameter that holds its child schedules (a composition), if any."""
        return next((p for p in self.params if p.kind == SCHEDULES), None)

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    def build(
        self, given: Mapping[str, Any], label: str | None = None, run: Any = None
    ) -> Schedule:
        """Validate raw values (text or native) and return a bound Schedule.

        The warmup keys (warmup.WARMUP_PARAMS) are accepted by every schedule.
        ``run`` (engine.RunSettings) resolves durations with units (``t_max=3ep``,
        ``warmup=5%``, in children too) to scheduler steps; without it only plain
        step counts are accepted. The Schedule holds the resolved step counts (its
        spec(), label and title show them), so it no longer depends on the run."""
        own = {p.name for p in self.params}
        rest = {k: v for k, v in given.items() if k in own or k not in WARMUP_NAMES}
        ramp = {k: v for k, v in given.items() if k not in rest}
        try:
            values = bind(self.params, rest, self.name, run)
            if self.check is not None:
                self.check(values)
            warmup = Warmup.from_values(ramp, run) if ramp else None
            if warmup is not None and self.no_warmup:
                raise ParamError("warmup", self.no_warmup)
        except ParamError as err:
            # bind's own messages for missing/unknown names already start with the name
            raise (err if str(err).startswith(f"{self.name} ") else err.within(self.name)) from None
        return Schedule(self, values, label, warmup)


@dataclass(frozen=True)
class Schedule:
    """A schedule with all its parameters bound and checked."""

    definition: ScheduleDef
    values: Mapping[str, Any]
    label_given: str | None = None
    warmup: Warmup | None = None

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def needs_metric(self) -> bool:
        return self.definition.needs_metric

    def non_defaults(self) -> dict[str, Any]:
        return {
            p.name: self.values[p.name]
            for p in self.definition.params
            if p.required or self.values[p.name] != p.default
        }

    def spec(self) -> str:
        """The SPEC string that rebuilds this schedule (label not included)."""
        items = self.non_defaults()
        if self.warmup is not None:
            items.update(self.warmup.items())
        if not items:
            return self.name
        return self.name + ":" + ",".join(f"{k}={format_value(v)}" for k, v in items.items())

    @property
    def label(self) -> str:
        return self.label_given or self.spec()

    def title(self, compact: bool = False) -> str:
        """PyTorch-style constructor, e.g. ``CosineAnnealingLR(T_max=50, eta_min=0)``;
        ``compact`` leaves out arguments at their defaults (children of a composition)."""
        shown = self.non_defaults() if compact else self.values
        args = ", ".join(
            f"{p.torch_name}={_title_value(self.values[p.name])}"
            for p in self.definition.params
            if p.name in shown
        )
        title = f"{self.definition.torch_class}({args})"
        return title if self.warmup is None else f"{self.warmup.describe()} + {title}"

    def resolved(self, count: int) -> Schedule:
        """The schedule as it runs for ``count`` scheduler steps: the parameters whose
        default is the run's length (its declared ``emit.run_defaults``: OneCycleLR's
        total_steps, transformers' num_training_steps) written out, counting the steps
        after a prefix warmup. Its title then shows what the run uses."""
        names = self.definition.emit.run_defaults
        if not any(self.values.get(name, 0) is None for name in names):
            return self
        if self.warmup is not None and self.warmup.mode == "prefix":
            count -= min(self.warmup.steps, count)
        values = {k: count if k in names and v is None else v for k, v in self.values.items()}
        return dataclasses.replace(self, values=values)

    def scaled(self, factor: float) -> Schedule:
        """The schedule on a param group whose LR is ``factor`` times the run's: its
        declared ``group_lrs`` times ``factor`` (Python's float product), in its
        children too. Unchanged at factor 1 or without such parameters."""
        if factor == 1.0:
            return self
        values = dict(self.values)
        changed = False
        for name in self.definition.group_lrs:
            values[name] = values[name] * factor
            changed = True
        kids = self.definition.children
        if kids is not None:
            children = tuple(c.scaled(factor) for c in values[kids.name])
            changed = changed or any(
                a is not b for a, b in zip(children, values[kids.name], strict=True)
            )
            values[kids.name] = children
        return dataclasses.replace(self, values=values) if changed else self

    def group_lr(
        self, count: int, lr: float, scale: float, metric: np.ndarray | None = None
    ) -> np.ndarray:
        """The LR of a param group at ``scale`` times the run's ``lr`` (lrplot.groups):
        PyTorch's, the schedule on the group's own base lr ``lr * scale`` (its declared
        ``group_lrs`` scaled too); or as the declaration says (``scale_after``,
        ``group_fn``)."""
        d = self.definition
        if d.scale_after:  # timm: value * lr_scale
            return self.lr(count, lr, metric) * scale
        own = lr * scale
        if d.group_fn is not None:
            fn = d.group_fn

            def group(n: int, m: Any) -> np.ndarray:
                return fn(n, lr, own, self.values, m)

            if self.warmup is not None:
                return self.warmup.apply(count, own, group, metric)
            return group(count, metric)
        return self.scaled(scale).lr(count, own, metric)

    def lr(self, count: int, base_lr: float, metric: np.ndarray | None = None) -> np.ndarray:
        """LR after j scheduler steps, for j = 0 .. count-1."""
        if self.warmup is not None:
            return self.warmup.apply(count, base_lr, lambda n, m: self._lr(n, base_lr, m), metric)
        return self._lr(count, base_lr, metric)

    def _lr(self, count: int, base_lr: float, metric: np.ndarray | None) -> np.ndarray:
        return self.definition.lr_fn(count, base_lr, self.values, metric)

    def momentum(
        self, count: int, base_lr: float, metric: np.ndarray | None = None
    ) -> np.ndarray | None:
        """Momentum after j scheduler steps (None for schedules that leave it alone)."""
        fn = self.definition.momentum_fn
        if fn is None:
            return None
        if self.warmup is not None:
            return self.warmup.shift(count, lambda n, m: fn(n, base_lr, self.values, m), metric)
        return fn(count, base_lr, self.values, metric)


def _title_value(value: Any) -> str:
    """A value in a title, which reads as Python: True/False, child schedules as their
    own titles."""
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, tuple) and value and all(isinstance(v, Schedule) for v in value):
        return "[" + ", ".join(v.title(compact=True) for v in value) + "]"
    return format_value(value)


REGISTRY: dict[str, ScheduleDef] = {}


def schedule(
    name: str,
    torch_class: str,
    summary: str,
    formula: str,
    params: tuple[Param, ...],
    needs_metric: bool = False,
    aliases: tuple[str, ...] = (),
    example: str = "",
    momentum: LrFunction | None = None,
    emulator: type[TorchScheduler] | None = None,
    check: Check | None = None,
    sets_lr: bool = False,
    **declared: Any,
) -> Callable[[LrFunction], LrFunction]:
    """Register a schedule. The decorated function computes its LR array.

    ``emulator``: its :class:`TorchScheduler` (needed to be a child of
    sequential/chained); ``check``: a cross-parameter check; ``declared``: the
    rest of :class:`ScheduleDef` by keyword (library, explain, lint, emit, known_as,
    ...).
    """
    unknown = set(declared) - set(ScheduleDef.__dataclass_fields__)
    if unknown:
        raise TypeError(f"schedule {name!r}: no such declaration field {sorted(unknown)}")
    frameworks = set(declared.get("known_as", {})) - set(FRAMEWORKS)
    if frameworks:
        raise TypeError(f"schedule {name!r}: known_as has unknown frameworks {sorted(frameworks)}")

    def register(fn: LrFunction) -> LrFunction:
        if name in REGISTRY:
            raise TypeError(f"schedule {name!r} is declared twice")
        REGISTRY[name] = ScheduleDef(
            name,
            torch_class,
            summary,
            formula,
            params,
            fn,
            needs_metric,
            aliases,
            example,
            momentum,
            emulator,
            check,
            sets_lr,
            **declared,
        )
        return fn

    return register


class _LambdaResume:
    """Resuming a ``LambdaLR`` whose LR after j steps is ``base_lr * lr_lambda(j)``
    (its lr function; transformers' schedules): the state_dict saves no lambda, so
    ``after``'s applies. restored: the saved LR at ``done`` (the optimizer's state),
    then ``after`` at its steps; fresh: ``after`` from its step 0; last-epoch:
    ``after`` from step ``done`` (the constructor's step); unloaded: the saved LR at
    ``done``, then ``after`` from its step 1. The base LR is always the
    original ``initial_lr``."""

    saves_params = False  # its state_dict holds none of its parameters: all are the lambda's

    def __call__(self, mode: str, before: Schedule, after: Schedule, trace: Any, done: int) -> Any:
        return _lambda_resumed(mode, after, trace, done)


def _lambda_resumed(mode: str, after: Schedule, trace: Any, done: int) -> Any:
    settings = trace.settings
    count, base_lr = settings.scheduler_steps, settings.lr
    out = np.array(trace.sched_lr, dtype=float)
    if mode == "restored":
        out[done + 1 :] = after.lr(count, base_lr)[done + 1 :]
    elif mode == "fresh":
        out[done:] = after.lr(count - done, base_lr)
    elif mode == "unloaded":  # the restored LR, then the new lambda from its step 1
        out[done + 1 :] = after.lr(count - done, base_lr)[1:]
    else:
        out[done:] = after.lr(count, base_lr)[done:]
    return out


lambda_resume = _LambdaResume()


def known(framework: str, name: str) -> ScheduleDef | None:
    """The schedule that ``framework`` (a declare.FRAMEWORKS key) calls ``name``."""
    for d in REGISTRY.values():
        if d.known_as.get(framework) == name:
            return d
    return None


def known_names(framework: str) -> dict[str, ScheduleDef]:
    """Every name ``framework`` has for an lrplot schedule, in listing order."""
    return {d.known_as[framework]: d for d in REGISTRY.values() if framework in d.known_as}


def lookup(name: str) -> ScheduleDef:
    """Find a schedule by its name, an alias or its PyTorch class (any case)."""
    key = name.strip().lower().replace("_", "-")
    for d in REGISTRY.values():
        names = (d.name, d.torch_class.lower(), *d.aliases)
        if key in names:
            return d
    close = difflib.get_close_matches(key, list(REGISTRY), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise LrplotError(f"unknown schedule {name!r}{hint} (known: {', '.join(REGISTRY)})")


def chain(first: float, factors: np.ndarray) -> np.ndarray:
    """[first, first*f1, (first*f1)*f2, ...]: the same multiplications, in the same
    order, as PyTorch's ``group['lr'] * factor`` step after step."""
    out = np.empty(len(factors) + 1)
    out[0] = first
    out[1:] = factors
    with np.errstate(over="ignore"):  # overflow gives inf, as Python floats do: no warning
        return np.cumprod(out, out=out)
