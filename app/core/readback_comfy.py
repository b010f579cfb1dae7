"""ComfyUI API graphs: the sampler that made the image, and the prompt text that reaches it.

Handles KSampler-style nodes and the split SamplerCustom / SamplerCustomAdvanced family
(noise, guider, sampler and sigmas nodes), and follows conditioning through ControlNet,
combine/concat nodes and common custom text nodes. Every walk is memoised and bounded, so
hostile graphs (cycles, diamonds, deep chains) stay linear.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.core.readback_model import Builder, Readback, as_float, as_int, fmt_number

KSAMPLERS = frozenset(
    {"KSampler", "KSamplerAdvanced", "KSampler (Efficient)", "KSampler Adv. (Efficient)"}
    | {"KSampler SDXL (Eff.)", "SamplerCustom", "SamplerCustomAdvanced"}
)
_MAX_DEPTH = 64
_MAX_VISITS = 5000
# Conditioning/text inputs worth following; literal strings under these keys are prompt text.
_TEXT_KEY = re.compile(
    r"(text|string|prompt|value|populated_text|text_[a-z0-9]+|string_?[a-z0-9]+|part_?\d+"
    r"|t5xxl|clip_l|conditioning(_[a-z0-9]+)?|cond[0-9]?|positive|text_positive)",
    re.I,
)
_PAIRED: tuple[tuple[str, str], ...] = (
    ("positive", "negative"),
    ("text_positive", "text_negative"),
)
_PAIRED += (("positive_prompt", "negative_prompt"),)
# Output index of the negative conditioning where it is not 1 (Efficiency Nodes' loaders).
_NEGATIVE_OUTPUT = {"Efficient Loader": 2, "Eff. Loader SDXL": 2}
_LATENT_KEYS = ("samples", "latent_image", "latent", "latent_a")
_SCHEDULE_BY_CLASS = {
    "KarrasScheduler": "karras",
    "ExponentialScheduler": "exponential",
    "PolyexponentialScheduler": "polyexponential",
    "BetaSamplingScheduler": "beta",
    "LaplaceScheduler": "laplace",
    "VPScheduler": "vp",
    "AlignYourStepsScheduler": "align your steps",
    "GITSScheduler": "gits",
    "SDTurboScheduler": "sd turbo",
}
_NUM = ("value", "int", "number", "seed", "noise_seed", "steps", "float", "cfg")


def _is_link(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str | int)


def _literal_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "\n".join(value)  # ShowText-style nodes store a list of strings
    return None


class ComfyGraph:
    """A ComfyUI API-format prompt: node id → {class_type, inputs}."""

    def __init__(self, data: Mapping[Any, Any]) -> None:
        self.nodes = {
            str(k): v
            for k, v in data.items()
            if isinstance(v, dict) and isinstance(v.get("inputs"), dict)
        }
        self.notes: list[str] = []
        self._memo: dict[tuple[str, int], list[str]] = {}
        self._visits = 0

    def node(self, link: Any) -> dict[str, Any] | None:
        return self.nodes.get(str(link[0])) if _is_link(link) else None

    def cls(self, node: Mapping[str, Any] | None) -> str:
        return str(node.get("class_type", "")) if node else ""

    def value(self, raw: Any, keys: tuple[str, ...] = _NUM, depth: int = 0) -> Any:
        """A literal input, following links through primitive/relay nodes that hold one."""
        while _is_link(raw) and depth < _MAX_DEPTH:
            node = self.node(raw)
            if node is None:
                return None
            inputs = node["inputs"]
            raw = next((inputs[k] for k in keys if k in inputs), None)
            depth += 1
        return None if _is_link(raw) else raw

    def of_class(self, names: frozenset[str] | set[str]) -> list[dict[str, Any]]:
        return [n for n in self.nodes.values() if n.get("class_type") in names]

    # -- prompt text -------------------------------------------------------------------

    def texts(self, link: Any, depth: int = 0) -> list[str]:
        """The prompt fragments that flow into ``link`` (usually one)."""
        node = self.node(link)
        if node is None or depth > _MAX_DEPTH or self._visits > _MAX_VISITS:
            return []
        key = (str(link[0]), as_int(link[1]) or 0)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = []  # a cycle back here contributes nothing
        self._visits += 1
        found = self._node_texts(node, key[1], depth)
        self._memo[key] = found
        return found

    def _node_texts(self, node: dict[str, Any], output: int, depth: int) -> list[str]:
        inputs: dict[str, Any] = node["inputs"]
        cls = self.cls(node)
        for pos, neg in _PAIRED:
            if pos in inputs and neg in inputs:
                chosen = neg if output == _NEGATIVE_OUTPUT.get(cls, 1) else pos
                return self._from_inputs({chosen: inputs[chosen]}, cls, depth, chosen=True)
        if isinstance(inputs.get("populated_text"), str) and inputs["populated_text"].strip():
            inputs = {"populated_text": inputs["populated_text"]}  # Impact wildcard result
        elif "text_g" in inputs:
            text_l = _literal_text(inputs.get("text_l"))
            text_g = _literal_text(inputs.get("text_g"))
            if text_l and text_g is not None and text_l.strip() != text_g.strip():
                self.notes.append("SDXL text_l prompt dropped (text_g used)")
            inputs = {"text_g": inputs["text_g"]}
        return self._from_inputs(inputs, cls, depth)

    def _from_inputs(
        self, inputs: Mapping[str, Any], cls: str, depth: int, *, chosen: bool = False
    ) -> list[str]:
        parts: list[str] = []
        for name, raw in inputs.items():
            if not chosen and not _TEXT_KEY.fullmatch(str(name)):
                continue
            if _is_link(raw):
                parts.extend(self.texts(raw, depth + 1))
            else:
                text = _literal_text(raw)
                if text is not None and text.strip():
                    parts.append(text)
        unique = list(dict.fromkeys(parts))
        if len(unique) > 1:
            delimiter = next(
                (inputs[k] for k in ("delimiter", "separator") if isinstance(inputs.get(k), str)),
                ", ",
            )
            self.notes.append(f"{len(unique)} prompts combined by {cls[:60] or 'a node'}")
            return [delimiter.join(unique)]
        return unique

    def prompt(self, link: Any) -> str | None:
        found = self.texts(link)
        return found[0] if found else None

    # -- sampler pieces ----------------------------------------------------------------

    def latent_base(self, link: Any) -> dict[str, Any] | None:
        """The node a latent chain starts from (EmptyLatentImage for text-to-image)."""
        node, hops = self.node(link), 0
        while node is not None and hops < _MAX_DEPTH:
            inputs = node["inputs"]
            nxt = next((inputs[k] for k in _LATENT_KEYS if k in inputs), None)
            if nxt is None or self.node(nxt) is None:
                return node
            node, hops = self.node(nxt), hops + 1
        return None

    def sigmas(self, link: Any) -> dict[str, Any] | None:
        node, hops = self.node(link), 0
        while node is not None and "sigmas" in node["inputs"] and hops < _MAX_DEPTH:
            self.notes.append(f"{self.cls(node)[:60]} on the sigmas dropped")
            node, hops = self.node(node["inputs"]["sigmas"]), hops + 1
        return node


def _sampler_name(graph: ComfyGraph, link: Any) -> str | None:
    node = graph.node(link)
    if node is None:
        return None
    name = graph.value(node["inputs"].get("sampler_name"), ("value", "sampler_name"))
    if isinstance(name, str):
        return name
    cls = graph.cls(node)  # SamplerEulerAncestral → euler_ancestral, SamplerDPMPP_2M → dpmpp_2m
    if cls.startswith("Sampler") and len(cls) > 7:
        return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", cls[7:]).lower()
    return cls or None


def _flatten(graph: ComfyGraph, sampler: dict[str, Any], b: Builder) -> dict[str, Any]:
    """One sampler's settings with SamplerCustom(Advanced) pieces resolved into KSampler terms."""
    inputs = dict(sampler["inputs"])
    if "noise" in inputs:
        noise = graph.node(inputs["noise"])
        if noise is not None and "noise_seed" in noise["inputs"]:
            inputs["noise_seed"] = noise["inputs"]["noise_seed"]
        elif noise is not None:
            b.drop(f"{graph.cls(noise)[:60]} noise dropped")
    guider = graph.node(inputs.get("guider"))
    if guider is not None:
        g = guider["inputs"]
        inputs["positive"] = g.get("positive", g.get("conditioning", g.get("cond1")))
        inputs["negative"] = g.get("negative")
        cfg = g.get("cfg", g.get("cfg_conds"))
        if cfg is not None:
            inputs["cfg"] = cfg
        else:
            b.drop(f"{graph.cls(guider)[:60]} has no CFG scale; keeping yours")
        if "cond2" in g:
            b.drop("DualCFGGuider's second conditioning dropped")
    if "sampler" in inputs:
        inputs["sampler_name"] = _sampler_name(graph, inputs["sampler"])
    if "sigmas" in inputs:
        sched = graph.sigmas(inputs["sigmas"])
        if sched is not None:
            s = sched["inputs"]
            for key in ("steps", "denoise"):
                if key in s:
                    inputs[key] = s[key]
            named = s.get("scheduler", _SCHEDULE_BY_CLASS.get(graph.cls(sched)))
            inputs["scheduler"] = named if isinstance(named, str) else None
    return inputs


def from_comfy(data: Mapping[Any, Any]) -> Readback | None:
    graph = ComfyGraph(data)
    if not graph.nodes:
        return None
    b = Builder("ComfyUI")
    samplers = graph.of_class(KSAMPLERS)
    if not samplers:
        b.drop("No sampler node found in the ComfyUI graph")
        return b.rb

    def starts_empty(sampler: dict[str, Any]) -> bool:
        base = graph.latent_base(sampler["inputs"].get("latent_image"))
        return base is not None and "width" in base["inputs"] and "height" in base["inputs"]

    first = next((s for s in samplers if starts_empty(s)), samplers[0])
    if len(samplers) > 1:
        b.drop(f"{len(samplers) - 1} more sampler pass(es) dropped (e.g. hires fix)")
    inputs = _flatten(graph, first, b)
    b.text("prompt", graph.prompt(inputs.get("positive")))
    b.text("negativePrompt", graph.prompt(inputs.get("negative")))
    for note in graph.notes:
        b.adjust(note) if "combined" in note else b.drop(note)
    if inputs.get("steps") is not None:
        b.integer("steps", graph.value(inputs["steps"]))
    if inputs.get("cfg") is not None:
        b.number("scale", graph.value(inputs["cfg"], ("value", "float", "number", "cfg")))
    seed = inputs.get("seed", inputs.get("noise_seed"))
    if seed is not None:
        b.seed(graph.value(seed))
    sampler = graph.value(inputs.get("sampler_name"), ("value", "sampler_name"))
    if isinstance(sampler, str):
        scheduler = graph.value(inputs.get("scheduler"), ("value", "scheduler"))
        b.sampler(sampler, scheduler if isinstance(scheduler, str) else None)
    base = graph.latent_base(inputs.get("latent_image"))
    if base is not None and "width" in base["inputs"] and "height" in base["inputs"]:
        b.size(graph.value(base["inputs"]["width"]), graph.value(base["inputs"]["height"]))
    denoise = as_float(graph.value(inputs.get("denoise", 1)))
    if denoise is not None and denoise < 1:
        b.drop(f"Denoise {fmt_number(denoise)} dropped (image-to-image)")
    _extras(graph, b)
    return b.rb


def _extras(graph: ComfyGraph, b: Builder) -> None:
    for node in graph.of_class({"CLIPSetLastLayer"}):
        layer = as_int(node["inputs"].get("stop_at_clip_layer"))
        if layer is not None:
            b.clip_skip(-layer, convention="ComfyUI's stop_at_clip_layer")
            break
    for node in graph.nodes.values():
        node_inputs = node["inputs"]
        if isinstance(node_inputs.get("ckpt_name"), str):
            b.model(node_inputs["ckpt_name"])
        if isinstance(node_inputs.get("lora_name"), str):
            b.drop(f"LoRA {node_inputs['lora_name'][:80]} dropped")
        if graph.cls(node) == "FluxGuidance":
            b.drop(f"Flux guidance {node_inputs.get('guidance')!s:.20} dropped")
