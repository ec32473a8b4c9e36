"""Exploring Randomly Wired Neural Networks for Image Recognition.

Saining Xie, Alexander Kirillov, Ross Girshick, Kaiming He. ICCV 2019. arXiv:1904.01569.

Implements: the Watts–Strogatz generator WS(K, P) of Sec. 3.3 (networkx's `watts_strogatz_graph`, N nodes on a
ring, each joined to K/2 neighbours per side, every edge rewired with probability P); the DAG conversion of Sec. 3.2
(nodes indexed clockwise around the ring, every edge pointing from the lower to the higher index); the node
operation of Sec. 3.2 (aggregation by a weighted sum with positive weights sigmoid(w), transformation by a
ReLU -> 3x3 separable conv -> BN triplet, the same output sent along every out-edge); one extra input node that
feeds the stage input to every node without inputs, and one extra output node that averages every node without
outputs; the small (C = 78) and regular (C = 109, C = 154) regimes of Sec. 4 with N = 32 nodes per random stage
(N / 2 in the regular regime's conv2).

Stage layout (Table 1; its rows are read from a re-implementation, see Deviations), output size at 224 px:

    row        size    small regime               regular regime
    conv1      112     3x3 conv, C/2; BN          3x3 conv, C/2; BN          -> `stem`
    conv2      56      ReLU, 3x3 conv, C; BN      random stage (N/2, C)      -> `stages[0]`
    conv3      28      random stage (N, C)        random stage (N, 2C)       -> `stages[1]`
    conv4      14      random stage (N, 2C)       random stage (N, 4C)       -> `stages[2]`
    conv5      7       random stage (N, 4C)       random stage (N, 8C)       -> `stages[3]`
    classifier 1       ReLU, 1x1 conv, 1280; BN; ReLU; global average pool; 1000-d fc -> `head`

Every random stage halves the resolution: its input-side nodes (those without inputs in the DAG) carry the stride-2
separable convolution from the previous stage's width to the stage's width. Every other node costs the same, so
two seeds differ in multiply-adds only through how many input-side nodes their stages have, and in parameters also
through the aggregation weights (one per in-edge of a node with several inputs). The same seed draws the same graphs
for C = 109 and C = 154.

Deviations:
Fidelity `reimplementation`: the paper's tables were not read, only a transcription of its text and two third-party
codes, github.com/JiaminRen/RandWireNN @8c729f6 and github.com/seungwonpark/RandWireNN @0850008.
- The stage layout above and the stride-2 convolution on the original input nodes follow JiaminRen's code (the
  only one with both regimes). conv1 and conv2 are plain 3x3 convs as in seungwonpark's code; JiaminRen makes them
  separable. Plain convs reproduce the printed small-regime 583M FLOPs (581.8M mean over seeds 0-4); separable
  ones give 495.2M (conv2 alone drops from 85.9M to 10.6M multiply-adds).
- Positive weights as sigmoid(w) is what both codes do; the transcription only says "positive". Following
  JiaminRen, a node with a single input has no weight (a scalar before the conv -> BN would change nothing).
- No conv has a bias (every conv is followed by BN, as in seungwonpark's code); JiaminRen's convs keep PyTorch's
  default bias.
- Graphs come from networkx's `watts_strogatz_graph` (JiaminRen uses `connected_watts_strogatz_graph`;
  seungwonpark its own generator). The seed starts one `random.Random` stream from which the stages draw their
  graphs in order, conv2 to conv5, so one seed fixes the whole network.
- Random initialisation (PyTorch defaults, aggregation weights 0 so every input starts at 1/2); no trained weights,
  no DropPath or dropout (training-time only).
"""

# --8<-- [start:model]
from __future__ import annotations

import itertools
import random
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import networkx as nx
import torch
from torch import nn

Regime = Literal["small", "regular"]

WS_NEIGHBOURS = 4  # K of WS(4, 0.75), the generator the paper compares with other networks (Sec. 4)
WS_REWIRING = 0.75  # P of WS(4, 0.75)
NODES_PER_STAGE = 32  # N (Sec. 4)
CLASSIFIER_WIDTH = 1280  # Table 1, classifier row: 1x1 conv, 1280-d


# ---------------------------------------------------------------------------------------------------------------------
# Graphs
# ---------------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StageGraph:
    """A random graph turned into a DAG by node index (Sec. 3.2): every edge points from the lower index to the higher.

    Args:
        num_nodes: N; nodes are 0 ... N - 1 in the generator's order (clockwise around the ring for WS).
        edges: (i, j) pairs with i < j, sorted.
    """

    num_nodes: int
    edges: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        for i, j in self.edges:
            if not 0 <= i < j < self.num_nodes:
                raise ValueError(
                    f"edge ({i}, {j}) must point from a lower to a higher index in 0 ... {self.num_nodes - 1}"
                )

    @classmethod
    def from_undirected(cls, graph: nx.Graph) -> StageGraph:
        """Orient every edge of `graph` (nodes 0 ... N - 1) from its lower-index end to its higher one."""
        if set(graph.nodes) != set(range(graph.number_of_nodes())):
            raise ValueError("the graph's nodes must be the integers 0 ... N - 1")
        edges = sorted((min(u, v), max(u, v)) for u, v in graph.edges)
        return cls(graph.number_of_nodes(), tuple(edges))

    @cached_property
    def predecessors(self) -> tuple[tuple[int, ...], ...]:
        """For each node, the nodes whose outputs it aggregates, in increasing order."""
        inputs: list[list[int]] = [[] for _ in range(self.num_nodes)]
        for i, j in self.edges:
            inputs[j].append(i)
        return tuple(tuple(sorted(p)) for p in inputs)

    @cached_property
    def input_nodes(self) -> tuple[int, ...]:
        """Nodes without inputs: the extra input node feeds them the stage input."""
        return tuple(n for n, p in enumerate(self.predecessors) if not p)

    @cached_property
    def output_nodes(self) -> tuple[int, ...]:
        """Nodes without outputs: the extra output node averages them."""
        has_output = {i for i, _ in self.edges}
        return tuple(n for n in range(self.num_nodes) if n not in has_output)


def watts_strogatz_dag(num_nodes: int, neighbours: int, rewiring: float, rng: random.Random) -> StageGraph:
    """WS(K, P) on `num_nodes` nodes (Sec. 3.3), drawn from `rng`, as a DAG by node index."""
    if neighbours % 2 or not 0 < neighbours < num_nodes:
        raise ValueError(f"WS needs an even K below N (K/2 neighbours per side); got K = {neighbours}, N = {num_nodes}")
    return StageGraph.from_undirected(nx.watts_strogatz_graph(num_nodes, neighbours, rewiring, seed=rng))


# ---------------------------------------------------------------------------------------------------------------------
# Blocks
# ---------------------------------------------------------------------------------------------------------------------
class SeparableConv3x3(nn.Sequential):
    """3x3 depthwise conv (stride `stride`), then a 1x1 pointwise conv to `out_channels` (Sec. 3.2); no biases."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__(
            OrderedDict(
                depthwise=nn.Conv2d(
                    in_channels, in_channels, 3, stride=stride, padding=1, groups=in_channels, bias=False
                ),
                pointwise=nn.Conv2d(in_channels, out_channels, 1, bias=False),
            )
        )


class ReLUSepConvBN(nn.Sequential):
    """The transformation of a node (Sec. 3.2): ReLU -> 3x3 separable conv -> BN."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__(
            OrderedDict(
                relu=nn.ReLU(),
                conv=SeparableConv3x3(in_channels, out_channels, stride),
                bn=nn.BatchNorm2d(out_channels),
            )
        )


class Node(nn.Module):
    """One node (Sec. 3.2): aggregate the inputs by a positive weighted sum, then ReLU -> SepConv -> BN.

    Args:
        in_channels: channels of each input.
        out_channels: channels of the output, sent unchanged along every out-edge.
        num_inputs: in-degree (1 for an input-side node, which receives the stage input).
        stride: 2 for an input-side node of a stage (downsampling), else 1.
    """

    def __init__(self, in_channels: int, out_channels: int, num_inputs: int, stride: int = 1) -> None:
        super().__init__()
        if num_inputs < 1:
            raise ValueError(f"a node aggregates at least one input, got {num_inputs}")
        # Aggregation weights w; the sum uses sigmoid(w) > 0. A single input needs none (BN follows the conv).
        self.aggregation_weights = nn.Parameter(torch.zeros(num_inputs)) if num_inputs > 1 else None
        self.transform = ReLUSepConvBN(in_channels, out_channels, stride)

    def forward(self, inputs: list[torch.Tensor]) -> torch.Tensor:
        if self.aggregation_weights is None:
            x = inputs[0]
        else:
            weights = torch.sigmoid(self.aggregation_weights)
            x = weights[0] * inputs[0]
            for weight, tensor in zip(weights[1:], inputs[1:], strict=True):
                x = x + weight * tensor
        y: torch.Tensor = self.transform(x)
        return y


class RandomStage(nn.Module):
    """A randomly wired stage: one node per graph node, computed in index order (a topological order of the DAG).

    The extra input node sends the stage input to every node without inputs; those nodes downsample by 2 and map
    `in_channels` to `out_channels`. The extra output node averages every node without outputs.
    """

    def __init__(self, graph: StageGraph, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.graph = graph
        inputs = set(graph.input_nodes)
        self.nodes = nn.ModuleList(
            Node(in_channels, out_channels, 1, stride=2)
            if n in inputs
            else Node(out_channels, out_channels, len(graph.predecessors[n]))
            for n in range(graph.num_nodes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs: list[torch.Tensor] = []
        for node, predecessors in zip(self.nodes, self.graph.predecessors, strict=True):
            outputs.append(node([outputs[p] for p in predecessors] if predecessors else [x]))
        ends = self.graph.output_nodes
        total = outputs[ends[0]]
        for n in ends[1:]:
            total = total + outputs[n]
        return total / len(ends)


# ---------------------------------------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------------------------------------
class RandWire(nn.Module):
    """RandWire (Table 1): conv1 stem, conv2 ... conv5 stages, classifier head.

    Args:
        regime: "small" (conv2 is one ReLU-conv-BN triplet; stages of width C, 2C, 4C) or "regular" (conv2 is a
            random stage of N/2 nodes; widths C, 2C, 4C, 8C).
        channels: C (78 in the small regime; 109 or 154 in the regular regime).
        seed: starts the random stream the stage graphs are drawn from.
        nodes: N, nodes per random stage.
        neighbours, rewiring: K and P of WS(K, P).
        num_classes: classifier outputs.
    """

    def __init__(
        self,
        regime: Regime,
        channels: int,
        seed: int,
        *,
        nodes: int = NODES_PER_STAGE,
        neighbours: int = WS_NEIGHBOURS,
        rewiring: float = WS_REWIRING,
        num_classes: int = 1000,
    ) -> None:
        super().__init__()
        if regime not in ("small", "regular"):
            raise ValueError(f"regime must be 'small' or 'regular', got {regime!r}")
        rng = random.Random(seed)

        def random_stage(num_nodes: int, in_channels: int, out_channels: int) -> RandomStage:
            return RandomStage(watts_strogatz_dag(num_nodes, neighbours, rewiring, rng), in_channels, out_channels)

        # Table 1, conv1: 3x3 conv, stride 2, to C/2, then BN (no ReLU before it: the input is the image).
        half = channels // 2
        self.stem = nn.Sequential(
            OrderedDict(conv=nn.Conv2d(3, half, 3, stride=2, padding=1, bias=False), bn=nn.BatchNorm2d(half))
        )
        if regime == "small":
            widths = (channels, channels, 2 * channels, 4 * channels)
            # Table 1, conv2 (small regime): one ReLU-conv-BN triplet with a plain 3x3 conv, stride 2, to C.
            conv2: nn.Module = nn.Sequential(
                OrderedDict(
                    relu=nn.ReLU(),
                    conv=nn.Conv2d(half, channels, 3, stride=2, padding=1, bias=False),
                    bn=nn.BatchNorm2d(channels),
                )
            )
        else:
            widths = (channels, 2 * channels, 4 * channels, 8 * channels)
            conv2 = random_stage(nodes // 2, half, channels)
        stages = [conv2]
        for in_channels, out_channels in itertools.pairwise(widths):  # conv3, conv4, conv5
            stages.append(random_stage(nodes, in_channels, out_channels))
        self.stages = nn.Sequential(*stages)

        # Table 1, classifier: a ReLU-conv-BN triplet with a 1x1 conv to 1280-d, ReLU, global average pool, fc.
        self.head = nn.Sequential(
            OrderedDict(
                relu1=nn.ReLU(),
                conv=nn.Conv2d(widths[-1], CLASSIFIER_WIDTH, 1, bias=False),
                bn=nn.BatchNorm2d(CLASSIFIER_WIDTH),
                relu2=nn.ReLU(),
                pool=nn.AdaptiveAvgPool2d(1),
                flatten=nn.Flatten(1),
                fc=nn.Linear(CLASSIFIER_WIDTH, num_classes),
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)  # (N, C/2, H/2, W/2)
        x = self.stages(x)  # (N, 4C or 8C, H/32, W/32)
        logits: torch.Tensor = self.head(x)  # (N, num_classes)
        return logits


# ---------------------------------------------------------------------------------------------------------------------
# Builders: five seeds per setting of Sec. 4 (small regime C = 78; regular regime C = 109 and C = 154)
# ---------------------------------------------------------------------------------------------------------------------
def randwire_ws(regime: Regime, channels: int, seed: int, *, num_classes: int = 1000) -> RandWire:
    """RandWire-WS(4, 0.75), N = 32, in `regime` with width C = `channels`, graphs drawn from `seed`."""
    return RandWire(regime, channels, seed, num_classes=num_classes)


def _seeded(regime: Regime, channels: int, seed: int) -> Callable[..., RandWire]:
    """A registry builder for one setting and seed (the registry names builders, not arguments)."""

    def build(*, num_classes: int = 1000) -> RandWire:
        return randwire_ws(regime, channels, seed, num_classes=num_classes)

    build.__doc__ = f"RandWire-WS(4, 0.75), {regime} regime, C = {channels}, N = 32, graph seed {seed}."
    return build


randwire_ws_small_s0 = _seeded("small", 78, 0)
randwire_ws_small_s1 = _seeded("small", 78, 1)
randwire_ws_small_s2 = _seeded("small", 78, 2)
randwire_ws_small_s3 = _seeded("small", 78, 3)
randwire_ws_small_s4 = _seeded("small", 78, 4)
randwire_ws_regular_c109_s0 = _seeded("regular", 109, 0)
randwire_ws_regular_c109_s1 = _seeded("regular", 109, 1)
randwire_ws_regular_c109_s2 = _seeded("regular", 109, 2)
randwire_ws_regular_c109_s3 = _seeded("regular", 109, 3)
randwire_ws_regular_c109_s4 = _seeded("regular", 109, 4)
randwire_ws_regular_c154_s0 = _seeded("regular", 154, 0)
randwire_ws_regular_c154_s1 = _seeded("regular", 154, 1)
randwire_ws_regular_c154_s2 = _seeded("regular", 154, 2)
randwire_ws_regular_c154_s3 = _seeded("regular", 154, 3)
randwire_ws_regular_c154_s4 = _seeded("regular", 154, 4)

__all__ = [
    "CLASSIFIER_WIDTH",
    "NODES_PER_STAGE",
    "WS_NEIGHBOURS",
    "WS_REWIRING",
    "Node",
    "RandWire",
    "RandomStage",
    "ReLUSepConvBN",
    "SeparableConv3x3",
    "StageGraph",
    "randwire_ws",
    "randwire_ws_regular_c109_s0",
    "randwire_ws_regular_c109_s1",
    "randwire_ws_regular_c109_s2",
    "randwire_ws_regular_c109_s3",
    "randwire_ws_regular_c109_s4",
    "randwire_ws_regular_c154_s0",
    "randwire_ws_regular_c154_s1",
    "randwire_ws_regular_c154_s2",
    "randwire_ws_regular_c154_s3",
    "randwire_ws_regular_c154_s4",
    "randwire_ws_small_s0",
    "randwire_ws_small_s1",
    "randwire_ws_small_s2",
    "randwire_ws_small_s3",
    "randwire_ws_small_s4",
    "watts_strogatz_dag",
]
# --8<-- [end:model]
