"""Synthetic catalogues for the scale benchmark: N papers that look like real entries of `papers.yaml`.

Each paper gets a title, authors, venue, arXiv id, DOI, links, tags, a status, a TL;DR, notes in Chinese and in
English, strengths, weaknesses, related papers, a BibTeX entry and claims. Every text is assembled sentence by
sentence from a vocabulary of real computer-vision terms, so no two papers share a paragraph (a repeated paragraph
would let the Markdown cache in tools/site/sanitize.py flatter the benchmark). The notes use the Markdown a real
note uses: emphasis, lists, inline code, links, math and links to other papers.

Claims follow the catalogue's rules: most are numbers we cannot recompute (top-1 accuracy, top-1 error against a
registered baseline, latency, speed-up, box AP) or findings, so they are `cited` and name no model of their own.
A model id may be listed by one paper only, so only a few papers define models: each family of the registry goes
to one paper, with a parameter-count claim (printed from tools/measurements.json when it is there).

The output depends only on N and the seed: the same arguments give the same bytes.

    python bench/synthetic.py --papers 1000 --out /tmp/papers-1000.yaml [--seed 0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# ---- vocabulary ------------------------------------------------------------------------------------------------

BASELINES = [  # (name as printed, registered model id it is compared with)
    ("ResNet-50", "resnet50"),
    ("ResNet-101", "resnet101"),
    ("ResNeXt-50 (32×4d)", "resnext50_32x4d"),
    ("SE-ResNet-50", "seresnet50"),
    ("MobileNetV2", "mobilenetv2_100"),
    ("EfficientNet-B0", "efficientnet_b0"),
    ("EfficientNet-B3", "efficientnet_b3"),
    ("VGG-16", "vgg16"),
    ("Res2Net-50", "res2net50_26w_4s"),
]
PREFIXES = [
    "Dense",
    "Shuffle",
    "Ghost",
    "Squeeze",
    "Pyramid",
    "Dual",
    "Octave",
    "Dilated",
    "Sparse",
    "Hybrid",
    "Cross",
    "Deformable",
    "Gated",
    "Split",
    "Mixed",
    "Dynamic",
    "Lite",
    "Reg",
    "Conv",
    "Swin",
    "Focal",
    "Twins",
    "Poly",
    "Hier",
    "Axial",
    "Token",
    "Patch",
    "Wave",
    "Fractal",
    "Capsule",
    "Inverted",
    "Channel",
    "Bi",
    "Multi",
    "Meta",
]
SUFFIXES = [
    "Net",
    "Former",
    "Mixer",
    "Block",
    "Conv",
    "ViT",
    "NeXt",
    "Res",
    "Attn",
    "Pool",
    "Stage",
    "Path",
    "Fuse",
    "Scale",
    "Mobile",
    "Flow",
    "Shift",
    "Grid",
    "Cell",
    "Stem",
]
COMPONENTS = [  # (English, Chinese)
    ("depthwise separable convolution", "深度可分离卷积"),
    ("squeeze-and-excitation block", "SE 通道注意力模块"),
    ("group convolution", "分组卷积"),
    ("dilated convolution", "空洞卷积"),
    ("skip connection", "跳跃连接"),
    ("batch normalization", "批归一化"),
    ("layer normalization", "层归一化"),
    ("multi-head self-attention", "多头自注意力"),
    ("feature pyramid", "特征金字塔"),
    ("bottleneck block", "瓶颈结构"),
    ("inverted residual block", "倒残差结构"),
    ("channel shuffle", "通道混洗"),
    ("patch embedding", "图像块嵌入"),
    ("relative position bias", "相对位置偏置"),
    ("spatial attention map", "空间注意力图"),
    ("deformable convolution", "可变形卷积"),
    ("1×1 pointwise convolution", "1×1 逐点卷积"),
    ("global average pooling", "全局平均池化"),
    ("shifted window attention", "移位窗口注意力"),
    ("Ghost module", "Ghost 模块"),
    ("octave convolution", "八度卷积"),
    ("split-attention block", "分离注意力模块"),
    ("hard-swish activation", "h-swish 激活函数"),
    ("stem of three 3×3 convolutions", "三个 3×3 卷积组成的 stem"),
    ("anti-aliased downsampling", "抗混叠下采样"),
]
TECHNIQUES = [
    ("stochastic depth", "随机深度"),
    ("label smoothing", "标签平滑"),
    ("mixup", "mixup 数据增强"),
    ("CutMix", "CutMix"),
    ("RandAugment", "RandAugment"),
    ("knowledge distillation", "知识蒸馏"),
    ("neural architecture search", "神经架构搜索"),
    ("compound scaling", "复合缩放"),
    ("cosine learning-rate schedule", "余弦学习率衰减"),
    ("AutoAugment", "AutoAugment"),
    ("exponential moving average of weights", "权重滑动平均"),
    ("progressive resizing", "渐进式分辨率训练"),
    ("structural re-parameterization", "结构重参数化"),
    ("weight decay of 5e-5", "5e-5 的权重衰减"),
]
DATASETS = [
    ("ImageNet-1k", "ImageNet-1k"),
    ("ImageNet-21k", "ImageNet-21k"),
    ("COCO", "COCO"),
    ("ADE20K", "ADE20K"),
    ("Cityscapes", "Cityscapes"),
    ("CIFAR-100", "CIFAR-100"),
    ("CIFAR-10", "CIFAR-10"),
    ("Pascal VOC", "Pascal VOC"),
    ("JFT-300M", "JFT-300M"),
    ("Places365", "Places365"),
    ("iNaturalist 2018", "iNaturalist 2018"),
]
TASKS = [
    ("image classification", "图像分类"),
    ("object detection", "目标检测"),
    ("semantic segmentation", "语义分割"),
    ("instance segmentation", "实例分割"),
    ("key-point estimation", "关键点检测"),
    ("salient-object detection", "显著性检测"),
    ("mobile inference", "移动端推理"),
    ("transfer learning", "迁移学习"),
]
EFFECTS = [
    ("enlarges the receptive field without extra parameters", "在不增加参数的情况下扩大了感受野"),
    ("cuts the multiply-adds of every stage", "降低了每个阶段的计算量"),
    ("mixes features of several scales inside one block", "在一个模块内融合多尺度特征"),
    ("keeps the parameter count almost unchanged", "参数量几乎不变"),
    ("lets gradients reach the early layers", "让梯度更容易传到浅层"),
    ("models long-range dependencies between pixels", "建模像素之间的长距离依赖"),
    ("reuses features of earlier layers", "复用前面层的特征"),
    ("makes the network cheaper on a phone CPU", "使网络在手机 CPU 上更快"),
    ("re-weights channels by their global statistics", "按全局统计量重新加权各个通道"),
    ("trades width for depth at equal cost", "在相同计算量下用宽度换深度"),
    ("removes the need for hand-designed anchors", "不再需要手工设计的锚框"),
    ("improves the calibration of the classifier", "改善了分类器的置信度校准"),
]
OPINIONS_EN = [
    "The ablation in Table {t} is the most convincing part of the paper.",
    "The gain is small compared with the variance between training runs, which the paper does not report.",
    "Latency is only measured on one GPU, so the efficiency claim does not carry over to CPUs directly.",
    "The code is easy to read, and the configuration matches the paper's Table {t}.",
    "Most of the improvement may come from the longer training schedule ({e} epochs instead of 90).",
    "The comparison uses the baseline's numbers as originally published, not a re-run under the same recipe.",
    "Figure {f} explains the block better than the text does.",
    "The FLOPs column counts multiply-adds, as most papers of that time do.",
    "I could not find the exact input resolution of the detection experiments.",
    "The idea is simple enough to try in any backbone in an afternoon.",
]
OPINIONS_ZH = [
    "表 {t} 的消融实验是全文最有说服力的部分。",
    "提升幅度与多次训练之间的波动相当，论文没有报告方差。",
    "延迟只在一种 GPU 上测试，效率结论不一定适用于 CPU。",
    "代码很清晰，配置与论文表 {t} 一致。",
    "很大一部分提升可能来自更长的训练（{e} 个 epoch 而不是 90 个）。",
    "对比直接引用了基线论文的数字，没有在同一训练设置下重跑。",
    "图 {f} 比正文更容易理解这个模块。",
    "表中的 FLOPs 实际是乘加次数，这是当时大多数论文的写法。",
    "检测实验的输入分辨率在文中没有找到。",
    "思路很简单，可以很快在任何骨干网络上尝试。",
]
GIVEN = [
    "Wei",
    "Jian",
    "Xiangyu",
    "Kaiming",
    "Ross",
    "Piotr",
    "Saining",
    "Zhuang",
    "Gao",
    "Mingxing",
    "Quoc",
    "Andrew",
    "Mark",
    "Menglong",
    "Barret",
    "Jie",
    "Li",
    "Yunpeng",
    "Ilija",
    "Hugo",
    "Matthieu",
    "Alexey",
    "Lucas",
    "Ze",
    "Yutong",
    "Han",
    "Ningning",
    "Chen",
    "Yann",
    "Olga",
    "Fei",
    "Jia",
    "Ming-Ming",
    "Shang-Hua",
    "Xiaohan",
    "Yue",
]
FAMILY = [
    "Zhang",
    "Ren",
    "Sun",
    "He",
    "Girshick",
    "Dollár",
    "Xie",
    "Liu",
    "Huang",
    "Tan",
    "Le",
    "Howard",
    "Sandler",
    "Zhu",
    "Zoph",
    "Hu",
    "Shen",
    "Chen",
    "Radosavovic",
    "Touvron",
    "Cord",
    "Dosovitskiy",
    "Beyer",
    "Wang",
    "Lin",
    "Ma",
    "Wu",
    "Deng",
    "Li",
    "Cheng",
    "Gao",
    "Ding",
    "Wei",
    "Guo",
    "Zhao",
    "Yang",
    "Krizhevsky",
    "Simonyan",
]
VENUES = ["CVPR", "ICCV", "ECCV", "NeurIPS", "ICLR", "ICML", "AAAI", "BMVC", "WACV", "IEEE TPAMI", "IJCV"]
JOURNALS = {
    "IEEE TPAMI": "IEEE Transactions on Pattern Analysis and Machine Intelligence",
    "IJCV": "International Journal of Computer Vision",
}
TAG_GROUPS = [  # tags that go together, so a paper's tags look chosen rather than drawn
    ["backbone", "classification", "residual", "baseline"],
    ["efficiency", "mobile", "classification", "nas"],
    ["attention", "backbone", "classification", "detection"],
    ["multi-scale", "detection", "segmentation", "backbone"],
    ["convolution-design", "efficiency", "classification"],
    ["scaling", "efficiency", "nas", "classification"],
    ["empirical-study", "dataset-bias", "classification"],
    ["segmentation", "multi-scale", "attention"],
]
STATUSES = ["read"] * 5 + ["reading"] * 1 + ["to-read"] * 4
LABS_ZH = [
    "清华大学",
    "南开大学",
    "旷视研究院",
    "微软亚洲研究院",
    "Google Brain",
    "Facebook AI Research",
    "商汤科技",
    "中科院自动化所",
]
LABS_EN = [
    "Tsinghua University",
    "Nankai University",
    "Megvii Research",
    "Microsoft Research Asia",
    "Google Brain",
    "Facebook AI Research",
    "SenseTime",
    "Oxford VGG",
]
SETTINGS = ["k=3", "k=5", "k=7", "g=32", "s=2", "r=16"]


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiouAEIOU8" else "a"


# ---- one paper -------------------------------------------------------------------------------------------------


class _PaperWriter:
    """Builds one paper entry as plain data (dicts, lists, strings, numbers, dates)."""

    def __init__(self, rng: random.Random, index: int, ids: list[str], names: list[str]) -> None:
        self.rng, self.index, self.ids, self.names = rng, index, ids, names
        self.name = names[index]
        self.component = rng.choice(COMPONENTS)
        self.component2 = rng.choice([c for c in COMPONENTS if c != self.component])
        self.technique = rng.choice(TECHNIQUES)
        self.dataset = rng.choice(DATASETS)
        self.task = rng.choice(TASKS)
        self.effect = rng.choice(EFFECTS)
        self.baseline = rng.choice(BASELINES)
        self.depth = rng.choice([18, 26, 34, 50, 101, 152])
        self.top1 = round(rng.uniform(68.0, 86.0), 1)
        self.gain = round(rng.uniform(0.2, 3.5), rng.choice([1, 2]))

    # small random pieces
    def pick(self, seq: list) -> object:
        return self.rng.choice(seq)

    def num(self, low: float, high: float, digits: int = 1) -> str:
        return f"{self.rng.uniform(low, high):.{digits}f}"

    def table(self) -> int:
        return self.rng.randint(1, 9)

    def opinion(self, zh: bool) -> str:
        template = self.pick(OPINIONS_ZH if zh else OPINIONS_EN)
        return template.format(t=self.table(), f=self.rng.randint(1, 7), e=self.rng.choice([120, 200, 300, 350, 600]))

    def en_sentence(self) -> str:
        r = self.rng
        comp, comp2 = r.choice(COMPONENTS)[0], r.choice(COMPONENTS)[0]
        data, task = r.choice(DATASETS)[0], r.choice(TASKS)[0]
        tech, effect = r.choice(TECHNIQUES)[0], r.choice(EFFECTS)[0]
        base = r.choice(BASELINES)[0]
        sizes = [160, 192, 224, 256, 299, 320]
        choices = [  # every template is filled in (the same random draws whichever is picked)
            f"{self.name} replaces the {comp} of {base} with {_article(comp2)} *{comp2}*, which {effect}.",
            f"On {data} the authors report {self.num(60, 88)} % top-1 accuracy, {self.num(0.1, 3.0, 2)} points "
            f"above {base}.",
            f"The training recipe adds {tech} and trains for {r.choice([90, 100, 120, 300, 450])} epochs with a "
            f"batch of {r.choice([256, 512, 1024, 4096])}.",
            f"For {task} the backbone is plugged into a standard head, and the gain over {base} stays at about "
            f"{self.num(0.3, 2.5)} points.",
            f"The {comp} costs $O(C^2 HW)$ multiply-adds, so the authors keep it out of the first stage.",
            f"Stage {r.randint(1, 4)} uses `{r.choice(SETTINGS)}`, which matches the official configuration.",
            f"The paper argues that the {comp} {effect}; Table {self.table()} supports this only at "
            f"{r.choice(sizes)}×{r.choice(sizes)} input.",
            f"Compared with {tech}, the architectural change contributes about {self.num(20, 80, 0)} % of the "
            "improvement.",
            f"Throughput is {self.num(300, 3000, 0)} images/s on one V100, against {self.num(300, 3000, 0)} for "
            f"{base}.",
            f"**Key idea:** {comp} plus {comp2}, trained with {tech}.",
        ]
        return r.choice(choices)

    def zh_sentence(self) -> str:
        r = self.rng
        comp, comp2 = r.choice(COMPONENTS)[1], r.choice(COMPONENTS)[1]
        data, task = r.choice(DATASETS)[1], r.choice(TASKS)[1]
        tech, effect = r.choice(TECHNIQUES)[1], r.choice(EFFECTS)[1]
        base = r.choice(BASELINES)[0]
        choices = [
            f"{self.name}将{base}中的{comp}替换为{comp2}，{effect}。",
            f"在{data}上，top-1 准确率达到{self.num(60, 88)}%，比{base}高{self.num(0.1, 3.0, 2)}个百分点。",
            f"训练时加入了{tech}，共训练{r.choice([90, 100, 120, 300, 450])}个 epoch，"
            f"批大小为{r.choice([256, 512, 1024, 4096])}。",
            f"在{task}任务中，把骨干网络换成{self.name}后，相比{base}提升约{self.num(0.3, 2.5)}个点。",
            f"{comp}的计算量为 $O(C^2 HW)$，因此作者没有在第一个阶段使用它。",
            f"第{r.randint(1, 4)}个阶段使用 `{r.choice(SETTINGS)}`，与官方代码一致。",
            f"作者认为{comp}{effect}，但表 {self.table()} 只在 {r.choice([160, 224, 256, 320])} 分辨率下验证了这一点。",
            f"与{tech}相比，结构上的改动大约贡献了{self.num(20, 80, 0)}%的提升。",
            f"在一块 V100 上吞吐量为每秒{self.num(300, 3000, 0)}张图像，{base}为{self.num(300, 3000, 0)}张。",
            f"**核心思想：**{comp}加上{comp2}，并使用{tech}训练。",
        ]
        return r.choice(choices)

    def paragraph(self, zh: bool, low: int, high: int) -> str:
        sentences = [self.zh_sentence() if zh else self.en_sentence() for _ in range(self.rng.randint(low, high))]
        if self.rng.random() < 0.5:
            sentences.append(self.opinion(zh))
        return ("" if zh else " ").join(sentences)

    def note(self, zh: bool) -> str:
        r = self.rng
        parts = []
        intro = f"{self.name}，{r.choice(LABS_ZH)}提出。" if zh else f"{self.name}, from {r.choice(LABS_EN)}."
        parts.append(intro + ("" if zh else " ") + self.paragraph(zh, 2, 5))
        for _ in range(r.randint(1, 3)):
            parts.append(self.paragraph(zh, 2, 6))
        if r.random() < 0.6:
            items = [self.zh_sentence() if zh else self.en_sentence() for _ in range(r.randint(2, 5))]
            parts.append("\n".join(f"- {item}" for item in items))
        if r.random() < 0.5 and self.index > 0:
            other = r.randrange(len(self.ids))
            if other != self.index:
                label = "相关论文" if zh else "See also"
                parts.append(f"{label}: [{self.names[other]}]({self.ids[other]}.md).")
        parts.append(f"[{self.name} (arXiv)](https://arxiv.org/abs/{self.arxiv_id})")
        return "\n\n".join(parts)

    # identifiers
    @property
    def arxiv_id(self) -> str:
        year = 2012 + self.index % 14
        month = 1 + (self.index // 14) % 12
        return f"{year % 100:02d}{month:02d}.{10000 + self.index // 168:05d}"

    def build(self) -> dict:
        r = self.rng
        year = 2012 + self.index % 14
        venue_name = r.choice(VENUES)
        venue = f"{venue_name} {year}"
        title = (
            f"{self.name}: {r.choice(['Rethinking', 'Revisiting', 'Towards', 'Learning', 'Scaling', 'Simplifying'])} "
            f"{r.choice(COMPONENTS)[0]} for {self.task[0]}"
        )
        authors = [f"{r.choice(GIVEN)} {r.choice(FAMILY)}" for _ in range(r.randint(1, 9))]
        group = r.choice(TAG_GROUPS)
        tags = sorted(r.sample(group, r.randint(1, len(group))))
        status = r.choice(STATUSES)
        added = dt.date(2024, 1, 1) + dt.timedelta(days=r.randrange(0, 1060))
        paper: dict = {
            "id": self.ids[self.index],
            "title": title,
            "authors": authors,
            "year": year,
            "venue": venue,
            "arxiv": {"id": self.arxiv_id, "version": r.randint(1, 4)},
        }
        if r.random() < 0.6:
            paper["doi"] = f"10.1109/{venue_name.replace(' ', '')}.{year}.{self.index:05d}"
        links = {"pdf": f"https://arxiv.org/pdf/{self.arxiv_id}"}
        if r.random() < 0.7:
            links["official_code"] = f"https://github.com/{r.choice(FAMILY).lower()}-lab/{self.ids[self.index]}"
        paper["links"] = links
        paper["tags"] = tags
        paper["status"] = status
        paper["added"] = added
        if status != "to-read" or r.random() < 0.3:
            paper["tldr"] = self.paragraph(False, 2, 4)
            notes = {"zh": self.note(True)}
            if r.random() < 0.9:
                notes["en"] = self.note(False)
            paper["notes"] = notes
            paper["strengths"] = [self.en_sentence() + " " + self.opinion(False) for _ in range(r.randint(2, 5))]
            paper["weaknesses"] = [self.opinion(False) + " " + self.en_sentence() for _ in range(r.randint(1, 4))]
        related = sorted({r.randrange(len(self.ids)) for _ in range(r.randint(0, 5))} - {self.index})
        if related:
            paper["related"] = [self.ids[i] for i in related]
        if venue_name in JOURNALS:
            fields = {"journal": JOURNALS[venue_name]}
        else:
            fields = {"booktitle": f"Proceedings of {venue}"}
        fields["pages"] = f"{(start := r.randint(1, 9000))}--{start + r.randint(8, 14)}"
        paper["bibtex"] = {
            "type": "article" if venue_name in JOURNALS else "inproceedings",
            "key": f"{authors[0].split()[-1].lower().replace('á', 'a')}{year}{self.ids[self.index].replace('-', '')}",
            "fields": fields,
        }
        paper["claims"] = self.claims(year)
        return paper

    def claims(self, year: int) -> list[dict]:
        r = self.rng
        source_version = f"arXiv v{r.randint(1, 3)}"
        claims: list[dict] = []
        label = f"{self.name}-{self.depth}"
        if r.random() < 0.9:
            claims.append(
                {
                    "id": "top1-accuracy",
                    "text": f"{label} reaches {self.top1} % top-1 accuracy on {self.dataset[0]} at 224×224, "
                    f"trained with {self.technique[0]}.",
                    "kind": "absolute",
                    "quantity": "top1_accuracy",
                    "model_label": label,
                    "printed": f"{self.top1}%",
                    "value": self.top1,
                    "unit": "%",
                    "resolution": 224,
                    "source": {"version": source_version, "location": f"Table {self.table()}"},
                    "origin": "paper",
                    "confidence": r.choice("AB"),
                }
            )
        if r.random() < 0.8:
            base_name, base_id = self.baseline
            claims.append(
                {
                    "id": f"top1-error-vs-{base_id.replace('_', '-')}",
                    "text": (
                        f"{label} lowers top-1 error by {self.gain} points against {base_name} at about the same cost."
                    ),
                    "quote": f"{self.name} outperforms {base_name} by {self.gain}% in terms of top-1 error.",
                    "kind": "reduction",
                    "quantity": "top1_error",
                    "model_label": label,
                    "compared_to": base_id,
                    "compared_label": base_name,
                    "printed": f"{self.gain}%",
                    "value": self.gain,
                    "unit": "pp",
                    "source": {"version": source_version, "location": f"Sec. {r.randint(3, 5)}.{r.randint(1, 4)}"},
                    "origin": "paper",
                    "confidence": "B",
                }
            )
        if r.random() < 0.4:
            ms = round(r.uniform(3, 80), 1)
            claims.append(
                {
                    "id": "latency-gpu",
                    "text": f"One forward pass of {label} takes {ms} ms on a single GPU at batch size 1.",
                    "kind": "absolute",
                    "quantity": "latency",
                    "model_label": label,
                    "printed": f"{ms}ms",
                    "value": ms,
                    "unit": "ms",
                    "source": {"version": source_version, "location": f"Table {self.table()}"},
                    "origin": "paper",
                    "confidence": "C",
                }
            )
        if r.random() < 0.3:
            x = round(r.uniform(1.2, 6.0), 1)
            base_name, base_id = r.choice(BASELINES)
            claims.append(
                {
                    "id": "speedup-cpu",
                    "text": f"{label} runs {x}× faster than {base_name} on a mobile CPU.",
                    "kind": "ratio",
                    "quantity": "speedup",
                    "model_label": label,
                    "compared_to": base_id,
                    "compared_label": base_name,
                    "printed": f"{x}x",
                    "value": x,
                    "unit": "x",
                    "source": {"version": source_version, "location": f"Fig. {r.randint(1, 8)}"},
                    "origin": "paper",
                    "confidence": "B",
                }
            )
        if r.random() < 0.3:
            ap = round(r.uniform(30, 55), 1)
            claims.append(
                {
                    "id": "coco-box-ap",
                    "text": f"With {label} as the backbone of Mask R-CNN, box AP on COCO val2017 is {ap}.",
                    "kind": "absolute",
                    "quantity": "box_ap",
                    "model_label": label,
                    "printed": f"{ap}",
                    "value": ap,
                    "unit": "",
                    "source": {"version": source_version, "location": f"Table {self.table()}"},
                    "origin": "paper",
                    "confidence": "B",
                }
            )
        if r.random() < 0.5:
            claims.append(
                {
                    "id": "finding-" + r.choice(["ablation", "scale", "transfer", "robustness"]),
                    "text": self.en_sentence(),
                    "kind": "finding",
                    "quantity": "other",
                    "source": {"version": source_version, "location": f"Sec. {r.randint(3, 6)}"},
                    "origin": r.choice(["paper", "note"]),
                    "confidence": r.choice("AB"),
                }
            )
        return claims


# ---- the catalogue ---------------------------------------------------------------------------------------------


def _names(rng: random.Random, n: int) -> tuple[list[str], list[str]]:
    """Unique method names and paper ids, e.g. `GhostFormer-17` / `ghostformer-17`."""
    names, ids = [], []
    for i in range(n):
        name = f"{rng.choice(PREFIXES)}{rng.choice(SUFFIXES)}"
        names.append(f"{name}-{i}")
        ids.append(f"{name.lower()}-{i}")
    return names, ids


def _model_papers(n: int, rng: random.Random) -> dict[int, list[str]]:
    """paper index -> the registered models it defines: each registry family goes to one paper."""
    from reference_impls import REGISTRY

    families: dict[str, list[str]] = {}
    for model_id, spec in sorted(REGISTRY.items()):
        families.setdefault(spec.module, []).append(model_id)
    count = min(len(families), n // 10)
    owners = rng.sample(range(n), count) if count else []
    return {owner: families[module] for owner, module in zip(owners, sorted(families), strict=False)}


def _params_claims(model_ids: list[str]) -> list[dict]:
    """A params claim per model, printed from the committed measurements when present (so it verifies)."""
    from tools.measurements import MEASUREMENTS_FILE

    measured: dict = {}
    if MEASUREMENTS_FILE.is_file():
        measured = json.loads(MEASUREMENTS_FILE.read_text(encoding="utf-8")).get("models", {})
    claims = []
    for model_id in model_ids:
        params = (measured.get(model_id) or {}).get("params") or 25_000_000
        value = round(params / 1e6, 1)
        claims.append(
            {
                "id": f"params-{model_id.replace('_', '-')}",
                "text": f"`{model_id}` has {value}M parameters.",
                "kind": "absolute",
                "quantity": "params",
                "model": model_id,
                "printed": f"{value}M",
                "value": value,
                "unit": "M",
                "source": {"version": "arXiv v1", "location": "Table 1"},
                "origin": "paper",
                "confidence": "A",
            }
        )
    return claims


def synthetic_papers(n: int, seed: int = 0) -> list[dict]:
    """N paper entries as plain data, deterministic in (n, seed)."""
    rng = random.Random(f"papers:{seed}:{n}")
    names, ids = _names(rng, n)
    owners = _model_papers(n, rng)
    papers = []
    for index in range(n):
        paper = _PaperWriter(random.Random(f"paper:{seed}:{index}"), index, ids, names).build()
        if index in owners:
            models = owners[index]
            claims = paper.pop("claims")
            paper["models"] = [{"id": m, "name": m.replace("_", "-"), "table": "Table 1"} for m in models]
            paper["claims"] = _params_claims(models) + claims
        papers.append(paper)
    return papers


# ---- YAML output (hand-written, so that notes come out as readable block scalars) --------------------------------


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def _emit(value: object, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and "\n" in item:
                out.append(f"{pad}{key}: |")
                out.extend(f"{pad}  {line}" if line else "" for line in item.split("\n"))
            elif isinstance(item, (dict, list)) and item:
                out.append(f"{pad}{key}:")
                _emit(item, indent + 2, out)
            elif isinstance(item, list):
                out.append(f"{pad}{key}: []")
            else:
                out.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                lines: list[str] = []
                _emit(item, indent + 2, lines)
                lines[0] = f"{pad}- {lines[0][indent + 2 :]}"
                out.extend(lines)
            else:
                out.append(f"{pad}- {_scalar(item)}")


def synthetic_catalogue(n: int, seed: int = 0) -> str:
    """The YAML text of a synthetic catalogue of `n` papers."""
    out = [
        "# Synthetic catalogue for the scale benchmark (bench/synthetic.py). Not real papers.",
        f"# papers: {n}, seed: {seed}",
        "papers:",
    ]
    for paper in synthetic_papers(n, seed):
        out.append("")
        _emit([paper], 2, out)
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, required=True, help="number of papers")
    parser.add_argument("--out", type=Path, required=True, help="the YAML file to write")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.papers < 1:
        parser.error("--papers must be at least 1")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(synthetic_catalogue(args.papers, args.seed), encoding="utf-8")
    print(f"wrote {args.papers} papers to {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
