"""A tiny random-weight BLOOM causal LM and its tokenizer, built locally (no downloads).

It stands in for BeautifulPrompt (``alibaba-pai/pai-bloom-1b1-text2prompt-sd``) and the
DiffChat-style rewrite model in the ``tiny`` profile, so the transformers code paths
(template, ``generate`` with sampling, decoding only the new tokens) run offline in
milliseconds. The tokenizer is a byte-level BPE trained on a few hundred prompt words
(English and Chinese, from the shipped vocabularies), so any text encodes. Weights are
seeded: every build is the same model. Its output is gibberish; that is the point.
"""

from __future__ import annotations

from pathlib import Path

HIDDEN = 64
LAYERS = 2
HEADS = 4
VOCAB_SIZE = 1200
SPECIAL = ["<unk>", "<s>", "</s>", "<pad>"]

_CORPUS = """
Instruction: Give a simple description of the image to generate a drawing prompt.
Input: 1 girl
Output: portrait of a beautiful girl, long hair, intricate, elegant, highly detailed,
digital painting, artstation, concept art, smooth, sharp focus, illustration, cinematic
lighting, golden ratio, by greg rutkowski and alphonse mucha, octane render, 8k, masterpiece
Instruction: Rewrite the drawing prompt so that it follows the request.
Prompt: a cat on a sofa
Request: make it night
Output: a cat on a sofa at night, moonlight through the window, soft shadows
a red car parked on a street, blue sky, sunset, watercolor painting, oil painting, anime
style, cyberpunk city with neon lights, pencil sketch, pixel art, 3d render, photorealistic
photo, soft lighting, depth of field, bokeh, studio lighting, ray tracing, ultra detailed,
a dog running on a beach, a fox in a snowy forest, mountains, lake, river, ocean, waves,
castle on a hill, lighthouse on a cliff, a bowl of ramen, cup of coffee, a knight holding a
sword, an astronaut riding a horse, a robot in a city, a dragon flying over mountains,
close-up, wide shot, top-down view from above, low angle view from below, side view,
spring summer autumn winter rain snow fog storm sunny cloudy morning dusk dawn
一只猫在沙发上 一只狗在海边奔跑 一辆红色的汽车 水彩画风格 油画风格 动漫风格 赛博朋克风格
水墨国风 夜晚 黄昏 日出 下雨 下雪 春天 夏天 秋天 冬天 特写 远景 俯视 仰视 女孩 男孩 老人
花椰菜 熊猫 长城 故宫 埃菲尔铁塔 城堡 森林 城市 街道 山 湖 河 花 树 帽子 眼镜 红色 蓝色
绿色 黄色 白色 黑色 高清 细节丰富 最佳质量 杰作 电影光效 柔和的光线
"""


def _corpus() -> list[str]:
    """The training text: the corpus above plus every word of the shipped vocabularies."""
    lines = [ln.strip() for ln in _CORPUS.strip().splitlines() if ln.strip()]
    data = Path(__file__).resolve().parent.parent / "data"
    for name in ("vocab.tsv", "zh_en.tsv"):
        path = data / name
        if not path.is_file():
            continue
        for row in path.read_text(encoding="utf-8").splitlines():
            if row and not row.startswith("#"):
                lines.append(" ".join(c.replace("|", " ").replace("*", "") for c in
                                      row.split("\t")[1:]))
    return lines


def build_tokenizer(folder: Path) -> object:
    """Train the byte-level BPE and save it as a ``PreTrainedTokenizerFast`` in ``folder``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE, special_tokens=SPECIAL, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(_corpus(), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>",
        pad_token="<pad>", padding_side="left", model_max_length=1024,
    )
    fast.save_pretrained(folder)
    return fast


def build(folder: Path) -> None:
    """Write the tokenizer and a seeded random BloomForCausalLM into ``folder``."""
    import torch
    from transformers import BloomConfig, BloomForCausalLM, GenerationConfig

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(folder)
    config = BloomConfig(
        vocab_size=len(tokenizer),  # type: ignore[arg-type]
        hidden_size=HIDDEN, n_layer=LAYERS, n_head=HEADS,
        bos_token_id=tokenizer.bos_token_id,  # type: ignore[attr-defined]
        eos_token_id=tokenizer.eos_token_id,  # type: ignore[attr-defined]
        pad_token_id=tokenizer.pad_token_id,  # type: ignore[attr-defined]
    )
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(0)
        model = BloomForCausalLM(config)
    finally:
        torch.random.set_rng_state(state)
    model.generation_config = GenerationConfig(
        bos_token_id=config.bos_token_id, eos_token_id=config.eos_token_id,
        pad_token_id=config.pad_token_id,
    )
    model.save_pretrained(folder)
