"""Reference implementations of the catalogue's models, behind a timm-like registry.

    >>> from reference_impls import list_models, create_model, input_size
    >>> "resnet50" in list_models()
    True
    >>> input_size("efficientnet_b3")
    (3, 300, 300)

The registry is the one explicit table `REGISTRY` below. Importing this package does not import
torch: `create_model` imports the family module on demand, so tools can read the table (and hash
the files a model is built from) without paying for torch.

Every network in this package has the same top-level layout, so tools can break costs down per stage:
``stem`` (optional), ``stages`` (an ``nn.Sequential``, one entry per stage of the paper's table) and
``head`` (pooling and classifier).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pragma: no cover - typing only
    from torch import nn

PACKAGE_DIR = Path(__file__).resolve().parent

# How far a registered model is confirmed (shown beside every model on the site and in `--json`):
#   official          identical to the official code, or to timm / torchvision; pinned exact counts prove it.
#   paper             built from the paper's own tables (no official code); pinned against the printed numbers.
#   reimplementation  follows a third party's code; not confirmed against the paper.
#   construction      our own reading of a text (e.g. where the paper leaves a placement open).
# A claim about a `reimplementation` or `construction` model is judged `inconclusive`: never verified or refuted.
Fidelity = Literal["official", "paper", "reimplementation", "construction"]
CONFIRMED_FIDELITY: frozenset[str] = frozenset({"official", "paper"})


@dataclass(frozen=True)
class ModelSpec:
    """One row of the registry: where a model is built and at which input the paper evaluates it."""

    model_id: str
    module: str  # family file in this package, e.g. "resnet" for resnet.py
    builder: str  # keyword-only builder function in that file
    resolution: int  # H at which the paper reports the model (and W, unless `width` is given)
    channels: int = 3
    sweep_resolutions: tuple[int, ...] = ()  # extra square inputs measured for cost-vs-size charts
    fidelity: Fidelity = field(kw_only=True)  # see `Fidelity` above
    family: str = field(default="", kw_only=True)  # display family for charts; defaults to the module name
    width: int | None = field(default=None, kw_only=True)  # W for a non-square input (detection); None = square

    def __post_init__(self) -> None:
        if self.width is not None and self.width < 1:
            raise ValueError(f"{self.model_id}: width must be a positive number of pixels, got {self.width}")
        if not self.family:
            object.__setattr__(self, "family", self.module)

    @property
    def confirmed(self) -> bool:
        """True when the model is proven identical to official code or to the paper's tables."""
        return self.fidelity in CONFIRMED_FIDELITY

    @property
    def input_size(self) -> tuple[int, int, int]:
        return (self.channels, self.resolution, self.resolution if self.width is None else self.width)

    @property
    def source_file(self) -> Path:
        return PACKAGE_DIR / f"{self.module}.py"


_ATTENTION_SWEEP = (224, 320, 448, 640)

# fmt: off
_ROWS: tuple[ModelSpec, ...] = (
    # ResNet (He et al., 2015) and the baselines built on its bottleneck.
    ModelSpec("resnet18",           "resnet",   "resnet18",           224, fidelity="official"),
    ModelSpec("resnet34",           "resnet",   "resnet34",           224, fidelity="official"),
    ModelSpec("resnet34_shortcut_a", "resnet",  "resnet34_shortcut_a", 224, fidelity="paper"),
    ModelSpec("resnet50",           "resnet",   "resnet50",           224, sweep_resolutions=_ATTENTION_SWEEP,
              fidelity="official"),
    ModelSpec("resnet50_v1",        "resnet",   "resnet50_v1",        224, fidelity="paper"),
    ModelSpec("resnet101",          "resnet",   "resnet101",          224, fidelity="official"),
    ModelSpec("resnet101_v1",       "resnet",   "resnet101_v1",       224, fidelity="paper"),
    ModelSpec("resnet152",          "resnet",   "resnet152",          224, fidelity="official"),
    ModelSpec("resnet152_v1",       "resnet",   "resnet152_v1",       224, fidelity="paper"),
    ModelSpec("resnext50_32x4d",    "resnet",   "resnext50_32x4d",    224, fidelity="official"),
    ModelSpec("resnext101_32x4d",   "resnet",   "resnext101_32x4d",   224, fidelity="official"),
    ModelSpec("resnext101_64x4d",   "resnet",   "resnext101_64x4d",   224, fidelity="official"),
    ModelSpec("resnext29_8x64d",    "resnet",   "resnext29_8x64d",    32, fidelity="paper"),
    ModelSpec("seresnet50",         "resnet",   "seresnet50",         224, fidelity="official"),
    # SENet (Hu et al., TPAMI 2020), Table 2: SE-ResNet-50 in the authors' Caffe layout, SE-ResNeXt-50 (timm).
    ModelSpec("legacy_seresnet50",  "resnet",   "legacy_seresnet50",  224, fidelity="official"),
    ModelSpec("seresnext50_32x4d",  "resnet",   "seresnext50_32x4d",  224, fidelity="official"),
    ModelSpec("seresnext101_32x4d", "resnet",   "seresnext101_32x4d", 224, fidelity="official"),
    # Res2Net (Gao et al., TPAMI 2021), Table 3, the official model zoo and the TPAMI version's v1b rows.
    ModelSpec("res2net50_26w_4s",   "res2net",  "res2net50_26w_4s",   224, fidelity="official"),
    ModelSpec("res2net50_14w_8s",   "res2net",  "res2net50_14w_8s",   224, fidelity="official"),
    ModelSpec("res2net50_26w_6s",   "res2net",  "res2net50_26w_6s",   224, fidelity="official"),
    ModelSpec("res2net50_26w_8s",   "res2net",  "res2net50_26w_8s",   224, fidelity="official"),
    ModelSpec("res2net50_48w_2s",   "res2net",  "res2net50_48w_2s",   224, fidelity="official"),
    ModelSpec("res2net50_18w_4s",   "res2net",  "res2net50_18w_4s",   224, fidelity="paper"),
    ModelSpec("res2next50",         "res2net",  "res2next50",         224, fidelity="official"),
    ModelSpec("res2net101_26w_4s",  "res2net",  "res2net101_26w_4s",  224, fidelity="official"),
    ModelSpec("res2net50d",         "res2net",  "res2net50d",         224, fidelity="official"),
    ModelSpec("res2net101d",        "res2net",  "res2net101d",        224, fidelity="official"),
    # DLA (Yu et al., CVPR 2018), the official code's ten ImageNet models, and Res2Net Table 1's DLA-60 variants.
    ModelSpec("dla34",              "dla",      "dla34",              224, fidelity="official"),
    ModelSpec("dla46_c",            "dla",      "dla46_c",            224, fidelity="official"),
    ModelSpec("dla46x_c",           "dla",      "dla46x_c",           224, fidelity="official"),
    ModelSpec("dla60x_c",           "dla",      "dla60x_c",           224, fidelity="official"),
    ModelSpec("dla60",              "dla",      "dla60",              224, fidelity="official"),
    ModelSpec("dla60x",             "dla",      "dla60x",             224, fidelity="official"),
    ModelSpec("dla102",             "dla",      "dla102",             224, fidelity="official"),
    ModelSpec("dla102x",            "dla",      "dla102x",            224, fidelity="official"),
    ModelSpec("dla102x2",           "dla",      "dla102x2",           224, fidelity="official"),
    ModelSpec("dla169",             "dla",      "dla169",             224, fidelity="official"),
    ModelSpec("dla60_res2net",      "dla",      "dla60_res2net",      224, fidelity="official"),
    ModelSpec("dla60_res2next",     "dla",      "dla60_res2next",     224, fidelity="official"),
    # ... and as the official Res2Net dla.py builds them, with its unused projections (dla.py's first Deviation).
    ModelSpec("dla60_res2net_official",  "dla", "dla60_res2net_official",  224, fidelity="official"),
    ModelSpec("dla60_res2next_official", "dla", "dla60_res2next_official", 224, fidelity="official"),
    # MobileNetV2 (Sandler et al., 2018), Table 2.
    ModelSpec("mobilenetv2_100",    "mobilenetv2", "mobilenetv2_100", 224, fidelity="official"),
    ModelSpec("mobilenetv2_140",    "mobilenetv2", "mobilenetv2_140", 224, fidelity="official"),
    # MobileNet (Howard et al., 2017), the "1.0 MobileNet-224" baseline of SENet Table 3 and EfficientNet Table 3.
    ModelSpec("mobilenetv1_100",    "mobilenetv1", "mobilenetv1_100", 224, fidelity="official"),
    # EfficientNet (Tan & Le, 2019), Table 1 scaled by the compound-scaling table.
    ModelSpec("efficientnet_b0",    "efficientnet", "efficientnet_b0", 224, fidelity="official"),
    ModelSpec("efficientnet_b1",    "efficientnet", "efficientnet_b1", 240, fidelity="official"),
    ModelSpec("efficientnet_b2",    "efficientnet", "efficientnet_b2", 260, fidelity="official"),
    ModelSpec("efficientnet_b3",    "efficientnet", "efficientnet_b3", 300, fidelity="official"),
    ModelSpec("efficientnet_b4",    "efficientnet", "efficientnet_b4", 380, fidelity="official"),
    ModelSpec("efficientnet_b5",    "efficientnet", "efficientnet_b5", 456, fidelity="official"),
    ModelSpec("efficientnet_b6",    "efficientnet", "efficientnet_b6", 528, fidelity="official"),
    ModelSpec("efficientnet_b7",    "efficientnet", "efficientnet_b7", 600, fidelity="official"),
    # DenseNet (Huang et al., CVPR 2017): Table 1 (ImageNet), DenseNet-161 of the official code, Table 2 (CIFAR).
    ModelSpec("densenet121",        "densenet", "densenet121",        224, fidelity="official"),
    ModelSpec("densenet169",        "densenet", "densenet169",        224, fidelity="official"),
    ModelSpec("densenet201",        "densenet", "densenet201",        224, fidelity="official"),
    ModelSpec("densenet161",        "densenet", "densenet161",        224, fidelity="official"),
    ModelSpec("densenet264",        "densenet", "densenet264",        224, fidelity="paper"),
    ModelSpec("densenet_cifar_k12_l40",     "densenet", "densenet_cifar_k12_l40",     32, fidelity="paper"),
    ModelSpec("densenet_cifar_k12_l100",    "densenet", "densenet_cifar_k12_l100",    32, fidelity="paper"),
    ModelSpec("densenet_cifar_k24_l100",    "densenet", "densenet_cifar_k24_l100",    32, fidelity="paper"),
    ModelSpec("densenet_bc_cifar_k12_l100", "densenet", "densenet_bc_cifar_k12_l100", 32, fidelity="paper"),
    ModelSpec("densenet_bc_cifar_k24_l250", "densenet", "densenet_bc_cifar_k24_l250", 32, fidelity="paper"),
    ModelSpec("densenet_bc_cifar_k40_l190", "densenet", "densenet_bc_cifar_k40_l190", 32, fidelity="paper"),
    # ... and the official README's Wide-DenseNet-BC (L = 40).
    ModelSpec("densenet_bc_cifar_k36_l40",  "densenet", "densenet_bc_cifar_k36_l40",  32, fidelity="paper"),
    ModelSpec("densenet_bc_cifar_k48_l40",  "densenet", "densenet_bc_cifar_k48_l40",  32, fidelity="paper"),
    ModelSpec("densenet_bc_cifar_k60_l40",  "densenet", "densenet_bc_cifar_k60_l40",  32, fidelity="paper"),
    # VGG (Simonyan & Zisserman, 2015), configurations D and E.
    ModelSpec("vgg16",              "vgg",      "vgg16",              224, fidelity="official"),
    ModelSpec("vgg16_bn",           "vgg",      "vgg16_bn",           224, fidelity="official"),
    ModelSpec("vgg19",              "vgg",      "vgg19",              224, fidelity="official"),
    # ANTNets (Xiong et al., 2019).
    ModelSpec("antnet_100_g1",      "antnet",   "antnet_100_g1",      224, fidelity="reimplementation"),
    ModelSpec("antnet_100_g2",      "antnet",   "antnet_100_g2",      224, fidelity="reimplementation"),
    # antnet_140_g1 dropped: the paper's width-1.4 table and numbers could not be found (see antnet.py).
    # HetConv (Singh et al., CVPR 2019): ResNet-50 on ImageNet, VGG-16 on CIFAR-10 at P = 1 ... 64.
    ModelSpec("hetconv_resnet50_p4",     "hetconv", "hetconv_resnet50_p4",     224, fidelity="construction"),
    ModelSpec("hetconv_vgg16_cifar_p1",  "hetconv", "hetconv_vgg16_cifar_p1",  32, fidelity="reimplementation"),
    ModelSpec("hetconv_vgg16_cifar_p2",  "hetconv", "hetconv_vgg16_cifar_p2",  32, fidelity="reimplementation"),
    ModelSpec("hetconv_vgg16_cifar_p4",  "hetconv", "hetconv_vgg16_cifar_p4",  32, fidelity="reimplementation"),
    ModelSpec("hetconv_vgg16_cifar_p8",  "hetconv", "hetconv_vgg16_cifar_p8",  32, fidelity="reimplementation"),
    ModelSpec("hetconv_vgg16_cifar_p16", "hetconv", "hetconv_vgg16_cifar_p16", 32, fidelity="reimplementation"),
    ModelSpec("hetconv_vgg16_cifar_p32", "hetconv", "hetconv_vgg16_cifar_p32", 32, fidelity="reimplementation"),
    ModelSpec("hetconv_vgg16_cifar_p64", "hetconv", "hetconv_vgg16_cifar_p64", 32, fidelity="reimplementation"),
    # Generalized spatial attention (Zhu et al., ICCV 2019) in ResNet-50; id suffix = E1 E2 E3 E4 switches.
    ModelSpec("resnet50_attn_1000", "spatial_attention", "resnet50_attn_1000", 224, sweep_resolutions=_ATTENTION_SWEEP,
              fidelity="reimplementation"),
    ModelSpec("resnet50_attn_0100", "spatial_attention", "resnet50_attn_0100", 224, sweep_resolutions=_ATTENTION_SWEEP,
              fidelity="reimplementation"),
    ModelSpec("resnet50_attn_0010", "spatial_attention", "resnet50_attn_0010", 224, sweep_resolutions=_ATTENTION_SWEEP,
              fidelity="reimplementation"),
    ModelSpec("resnet50_attn_0001", "spatial_attention", "resnet50_attn_0001", 224, sweep_resolutions=_ATTENTION_SWEEP,
              fidelity="reimplementation"),
    ModelSpec("resnet50_attn_1111", "spatial_attention", "resnet50_attn_1111", 224, sweep_resolutions=_ATTENTION_SWEEP,
              fidelity="reimplementation"),
    # RandWire (Xie et al., ICCV 2019): WS(4, 0.75), N = 32; five graph seeds per setting (the paper prints means
    # and standard deviations over random instances).
    ModelSpec("randwire_ws_small_s0", "randwire", "randwire_ws_small_s0", 224, fidelity="reimplementation"),
    ModelSpec("randwire_ws_small_s1", "randwire", "randwire_ws_small_s1", 224, fidelity="reimplementation"),
    ModelSpec("randwire_ws_small_s2", "randwire", "randwire_ws_small_s2", 224, fidelity="reimplementation"),
    ModelSpec("randwire_ws_small_s3", "randwire", "randwire_ws_small_s3", 224, fidelity="reimplementation"),
    ModelSpec("randwire_ws_small_s4", "randwire", "randwire_ws_small_s4", 224, fidelity="reimplementation"),
    ModelSpec("randwire_ws_regular_c109_s0", "randwire", "randwire_ws_regular_c109_s0", 224,
              fidelity="reimplementation"),
    ModelSpec("randwire_ws_regular_c109_s1", "randwire", "randwire_ws_regular_c109_s1", 224,
              fidelity="reimplementation"),
    ModelSpec("randwire_ws_regular_c109_s2", "randwire", "randwire_ws_regular_c109_s2", 224,
              fidelity="reimplementation"),
    ModelSpec("randwire_ws_regular_c109_s3", "randwire", "randwire_ws_regular_c109_s3", 224,
              fidelity="reimplementation"),
    ModelSpec("randwire_ws_regular_c109_s4", "randwire", "randwire_ws_regular_c109_s4", 224,
              fidelity="reimplementation"),
    ModelSpec("randwire_ws_regular_c154_s0", "randwire", "randwire_ws_regular_c154_s0", 224,
              fidelity="reimplementation"),
    ModelSpec("randwire_ws_regular_c154_s1", "randwire", "randwire_ws_regular_c154_s1", 224,
              fidelity="reimplementation"),
    ModelSpec("randwire_ws_regular_c154_s2", "randwire", "randwire_ws_regular_c154_s2", 224,
              fidelity="reimplementation"),
    ModelSpec("randwire_ws_regular_c154_s3", "randwire", "randwire_ws_regular_c154_s3", 224,
              fidelity="reimplementation"),
    ModelSpec("randwire_ws_regular_c154_s4", "randwire", "randwire_ws_regular_c154_s4", 224,
              fidelity="reimplementation"),
    # FPN (Lin et al., CVPR 2017): ResNet backbone + feature pyramid at the detection input, shorter side 800 (fpn.py).
    ModelSpec("resnet50_fpn",       "fpn",      "resnet50_fpn",       800, width=1344, fidelity="paper"),
    ModelSpec("resnet101_fpn",      "fpn",      "resnet101_fpn",      800, width=1344, fidelity="paper"),
)
# fmt: on


def index_rows(rows: tuple[ModelSpec, ...]) -> dict[str, ModelSpec]:
    """The rows keyed by id, sorted; two rows with one id, or two ids built by one builder, are an error."""
    seen_ids: set[str] = set()
    seen_builders: dict[tuple[str, str], str] = {}
    for row in rows:
        if row.model_id in seen_ids:
            raise ValueError(f"reference_impls registry: {row.model_id!r} has two rows; keep one")
        seen_ids.add(row.model_id)
        builder = (row.module, row.builder)
        if builder in seen_builders:
            raise ValueError(
                f"reference_impls registry: {row.model_id!r} and {seen_builders[builder]!r} are both built by "
                f"{row.module}.{row.builder}; give each id its own builder"
            )
        seen_builders[builder] = row.model_id
    return {row.model_id: row for row in sorted(rows, key=lambda r: r.model_id)}


REGISTRY: dict[str, ModelSpec] = index_rows(_ROWS)


class UnknownModelError(KeyError):
    """Raised for a model id that is not in the registry; the message names close matches."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def list_models() -> list[str]:
    """Every registered model id, sorted."""
    return sorted(REGISTRY)


def get_spec(model_id: str) -> ModelSpec:
    """The registry row of `model_id`; raises `UnknownModelError` naming close matches."""
    try:
        return REGISTRY[model_id]
    except (KeyError, TypeError):
        import difflib  # only needed for the error message

        close = difflib.get_close_matches(str(model_id), REGISTRY, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownModelError(
            f"unknown model id {model_id!r}.{hint} See reference_impls.list_models() for all {len(REGISTRY)} ids."
        ) from None


def input_size(model_id: str) -> tuple[int, int, int]:
    """(C, H, W) at which the paper evaluates `model_id`."""
    return get_spec(model_id).input_size


def create_model(model_id: str, **kwargs: Any) -> nn.Module:
    """Build `model_id` with random initialisation, in eval mode. No weights are downloaded.

    Keyword arguments (e.g. ``num_classes``) are passed to the family's builder.
    """
    spec = get_spec(model_id)
    module = importlib.import_module(f"{__name__}.{spec.module}")
    model: nn.Module = getattr(module, spec.builder)(**kwargs)
    return model.eval()


__all__ = [
    "CONFIRMED_FIDELITY",
    "REGISTRY",
    "Fidelity",
    "ModelSpec",
    "UnknownModelError",
    "create_model",
    "get_spec",
    "input_size",
    "list_models",
]
