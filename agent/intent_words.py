"""The phrase tables :func:`agent.intents.parse` reads a message with: help, undo, moves
between pictures, history, variations, seeds, search, beautify, restyle, settings, show and
info requests, questions, request and drawing leads, and the cues of a change. Patterns only;
what they mean is decided in :mod:`agent.intents`."""

from __future__ import annotations

import re

from tools.rewrite.zh_words import ZH_AUDIENCE

HELP = re.compile(r"^(/?help|/start|\?|帮助|怎么用|使用说明|what can you do|what do you do|"
                   r"how does this work|how do i use (this|you)|你能做什么|你会什么|"
                   r"你可以做什么)\W*$",
                   re.I)
UNDO = re.compile(r"^(?:还是|那就|那还是|算了)?"
                  r"(/?undo|undo (that|it|this|the last( change| edit)?)|go back|"
                   r"go back one|step back|revert( that| it)?|take (that|it) back|"
                   r"(no,? )?(go back to|back to) the (previous|last|old|earlier) "
                   r"(one|image|picture|version)|previous (one|version)|"
                   r"(撤销|撤回|回退)(上一步|一下|刚才的?(修改|改动|那步)?)?|返回上一(步|张|个)|上一张|"
                   r"回到上一张|回到上一步|退回|还原|不要这个改动)(?:吧|啦|了|一下)?\W*$",
                   re.I)
GOTO = re.compile(r"^(?:go\s+)?back\s+to\b|^(?:switch|go|jump|return)\s+to\b|^请?回到|^请?返回|"
                   r"^(?:pull|bring)\s+up\b|^(?:take|bring)\s+me\s+back\s+to\b|^revert\s+to\b|"
                   r"^restore\b|^(?:let'?s\s+|i'?ll\s+)?go\s+with\b|^i'?ll\s+take\b|^i\s+(?:pick|choose)\b|"
                   r"^切换到|"
                   r"^用回|^退回到?|^continue (?:from|with)\b|^use\b|^select\b|^pick\b|^选|^用",
                   re.I)
GOTO_LEAD = re.compile(r"^(?:(?:go\s+back\s+to|back\s+to|switch\s+to|go\s+to|jump\s+to|"
                        r"return\s+to|take\s+me\s+back\s+to|revert\s+to)\b|请?回到|请?切换到|"
                        r"请?返回到?)", re.I)
# "#2 was better", "the previous one was better", "还是第二张好": back to that one
PREFERRED = re.compile(
    r"^(?:(?:i think|honestly|hmm+|actually)[,\s]+)?(?P<which>#\s*\d+|(?:the\s+)?(?:previous|last|"
    r"first|second|third|original|earlier|older|other)\s+(?:one|version|picture|image))\s+"
    r"(?:was|is|looked|looks|looked much|was much|is much)\s+(?:way\s+|much\s+|a lot\s+)?"
    r"(?:better|nicer|best)\W*$|"
    r"^(?:i\s+(?:liked|like|prefer|preferred))\s+(?P<which2>#\s*\d+|(?:the\s+)?(?:previous|last|"
    r"first|second|third|original|earlier|other)\s+(?:one|version))\s*(?:more|better)?\W*$|"
    r"^还是(?P<which3>第[一二三四五六七八九十\d]+张|上一张|原图|原来那张|之前那张)(?:更)?好(?:看)?(?:些|一点)?\W*$",
    re.I)
HISTORY = re.compile(r"^(/?history|show (me )?(the )?history|list (the |my |all )?(images|"
                      r"pictures)|what have we (made|done)( so far)?|历史|历史记录|看看历史|"
                      r"查看历史|所有图片)\W*$", re.I)
VARIATIONS = re.compile(
    r"\b(variations?|variants?|another( one| version| take| try)?|one more|more like (this|it)|"
    r"(?:a couple of|a few|some|two|three|four|more|other|different) (?:alternates|alternatives|"
    r"options|versions|takes|alternate versions)|alternates|alternatives|more options|"
    r"again|redo|re-?do it|try again|different seed|new seed|re-?roll|re-?generate|run it back|"
    r"regenerate)\b|再来(一|几|两|二|三|四|五|1|2|3|4)?(张|次|个|遍|幅)|再画(一|两|三|四)?(张|次|遍|幅)|"
    r"换个种子|换一张|变体|重新生成|重画|重新画|再生成",
    re.I)
SEED = re.compile(r"\bseed\s*(?:=|:|to|of|number|#)?\s*(-?\d{1,40})\b|种子\s*(?:=|:|：|为|改成|"
                   r"换成|用|是)?"
                   r"\s*(-?\d{1,40})", re.I)
SEARCH = re.compile(
    r"^(?:please\s+)?(?:/search\b|search(?:\s+for)?\b|find\b|look\s+for\b|look\s+up\b|"
    r"show\s+me\b(?=.*\b(?:pictures?|images?|photos?|pics?)\b))"
    r"(?:\s+(?:me|some|all|any|the|my))?(?:\s+(?:pictures?|images?|photos?|pics?))?"
    r"(?:\s+(?:of|with|showing|about|like))?\s*"
    r"|^(?:/search)|^(?:帮我)?(?:搜索?|找找?|查找|检索)(?:一下|一些|几张|下)?",
    re.I,
)
LIKE = re.compile(r"\b(like|similar to|resembling)\b|相似|类似|像", re.I)
BEAUTIFY = re.compile(r"\b(beautify|more detail(ed)?|add (more )?details?|make it (look )?"
                       r"(better|prettier|nicer|more beautiful|more detailed|fancier)|"
                       r"enhance( it)?|"
                       r"improve (the )?prompt|improve it|"
                       r"polish(?: it)?(?!\s+(?:the|his|her|its|their|my|up the)\b)|"
                       r"embellish)\b|美化|"
                       r"更(多)?细节|更精美|更好看|润色|丰富一下|优化一下|优化提示词|精细一点|"
                       r"加点细节", re.I)
RESTYLE = re.compile(r"\bin the style of\b|\bstyle of\b|的风格|风格(像|参考)|参考.*风格", re.I)
STARTING = re.compile(
    r"\b((use\s+(it|this|that)?\s*)?as (the |a )?(starting|start|base|init(ial)?) "
    r"(image|picture|point)|start(ing)? from|"
    r"based on|use .* as (a )?(base|starting point|background))\b|垫图|作为(起始|底图|基础|"
    r"参考)(图|图片)?|"
    r"当(作|做)?(底图|垫图)|以.*为(底图|基础)|基于",
    re.I,
)
SETTING_NAMES = (r"size|width|height|steps|guidance|cfg|seed|ratio|aspect(?: ratio)?|"
                  r"negative(?:[ _]prompt)?|比例|画幅|"
                  r"尺寸|大小|步数|种子|反向提示词|负面提示词")
SETTINGS = re.compile(
    rf"^(?:/settings\s+|set\s+(?:the\s+)?|(?:always\s+)?use\s+(?:the\s+)?|设置\s*|把|用)?"
    rf"({SETTING_NAMES})(?![a-z])"
    r"\s*(?:=|:|：|to|为|设为|设置为|改成|改为)?\s*(.*)$",
    re.I,
)
SETTINGS_CMD = re.compile(r"^/settings\s+(\S+)\s*(.*)$", re.I)
NEW_CHAT = re.compile(r"^(/new|new chat|new conversation|start over|start again|start fresh|"
                       r"reset|clear( the)? chat|重新开始|新对话|新的对话|开始新对话|从头开始)\W*$",
                       re.I)

# ---- conversation that is not a picture request ----------------------------------------
SHOW = re.compile(
    r"^(?:please\s+)?(?:show|send|display|give|view|open|see|let me see)(?:\s+me)?(?:\s+(?:again|"
    r"back))?"
    r"(?:\s+(?:the\s+)?(?:picture|image|photo|pic))?\s*(?:again|back|once more)?\W*$|"
    r"^(?:再)?(?:显示|发|看看|看一下|给我看|展示|打开|重发)(?:一下|一次|给我)?(?:图片?)?\W*$|"
    r"^把?\s*(?:再)?(?:发给我|发我|给我看看?|发过来)(?:一下)?\W*$|"
    r"^(?:再)?(?:发|显示|展示)(?:一下|一次|给我)?(?:图片?)?一次\W*$",
    re.I)
INFO = re.compile(
    r"\b(prompt|seed|recipe|settings|negative|how (was|did you make|were)|what did you use|"
    r"what (?:art |kind of |sort of )?style|which style|what model|what size|which size|"
    r"what resolution|how big is (?:it|this|#\s*\d+)|what dimensions|"
    r"parameters|params)\b|提示词|咒语|种子|参数|怎么(画|生成)的|用的什么",
    re.I)
INFO_CMD = re.compile(r"^/(prompt|info|show|recipe)\b\s*(.*)$", re.I)
DESCRIBE = re.compile(
    r"^/describe\b|^(?:please\s+|can you\s+|could you\s+)?(?:describe|caption)\b|"
    r"\bwhat(?:'s| is| do you see)\s+(?:in|on)\s+(?:this|that|the|my)\s+(?:picture|image|photo|"
    r"pic)|"
    r"\bwhat(?:'s| is)\s+(?:this|that)(?:\s+(?:picture|image|photo))?\s*\??$|"
    r"\bwhat do you see\b|\bwhat does (?:it|this|the (?:picture|image|photo)) show\b|"
    r"图(?:片|里|中|上)?(?:里|中|上)?(?:面)?(?:有|是)(?:什么|啥)|这是什么|描述一下|描述这张|描述图|"
    r"看图说话|这张(?:图|照片)(?:里|中)?(?:有|是)(?:什么|啥)",
    re.I)
QUESTION_START = re.compile(
    r"^(?:(?:please\s+)?(?:confirm|tell me|remind me|let me know|check)\s+)?"
    r"(what|who|whom|whose|why|when|where|which|how|is|are|was|were|do|does|did|"
    r"should|shall|am)\b|[?？]\s*$|(吗|呢|么|什么|为什么|怎么样|谁|哪里|哪儿|几点|多少)\W*$|^(为什么|谁|哪)",
    re.I)
REQUEST_LEAD = re.compile(
    r"^(?:(?:ok(?:ay)?|alright|now|and|then|also|next|hmm+|well|great|nice|cool|good|perfect|"
    r"thanks|thank you|thx|awesome|lovely|wow|actually|sorry|oh|oops|i meant|i mean)"
    r"[,!.]?\s+|(?:no|nope)[,!.]\s+)*"
    r"(?:(?:please|pls|plz|kindly)\s+|(?:can|could|would|will) you(?: please)?\s+|"
    r"(?:i'?d like|i would like|i want|i wanna|i need|let'?s|let us|how about|what about|"
    r"why not|maybe|perhaps|would it be possible to|would you mind|could you possibly|"
    r"is it possible to|can (?:i|we) (?:have|get)|(?:can|could) we|(?:can|could) i get)"
    r"(?: (?:you )?to)?\s+)*",
    re.I)
REQUEST_TAIL = re.compile(r"(?:,?\s*(?:please|pls|thanks?|thank you|for me)\s*)+[.!?]*$|"
                           r"\s*[?？]+$",
                           re.I)
DRAW_LEAD = re.compile(
    r"^(?:(?:draw|paint|sketch|generate|create|make|render|produce|show)\s+(?:me\s+|us\s+)?"
    r"(?:(?:(?:a|an|one|some)\s+)?(?:new\s+)?(?:picture|image|photo|painting|drawing|"
    r"illustration|pic|render|artwork)s?\s+(?:of|showing|with)\s+)?"
    r"|(?:(?:a|an)\s+)?(?:picture|image|photo|painting|drawing|illustration)\s+of\s+)",
    re.I)
ZH_DRAW_LEAD = re.compile(
    rf"^(?:{ZH_AUDIENCE})?[，,！!\s]*(?:今天|今儿|现在)?"
    r"(?:请|麻烦)?(?:你)?(?:帮我|给我|为我|替我)?(?:再)?"
    r"(?:画(?![面质风里中上])|生成|创作|做|来|绘制|制作|整(?=一个|一张|个|张)|安排(?=一个|一张|个|张))"
    r"(?:一下|一张|一幅|一个|张|幅)?(?:图片?|画)?(?:[:：，,]\s*)?"
    r"|^(?:我想要|我要|想要|我想看|我想|给我)(?:一张|一幅|张|幅)(?:图片?|画)?(?:[:：，,]\s*)?")
ZH_DRAW_TAIL = re.compile(r"的(?:图片?|画|照片|插画)$")
ADD_TO_LIBRARY = re.compile(
    r"\b(?:add|save|put|keep|store)\b.*\b(?:to|in|into)\s+(?:my|the)\s+(?:library|collection|"
    r"album|gallery)\b|(?:加入|添加到|加到|保存到|存到|放进|放到)(?:我的)?(?:图库|相册|图片库|收藏)",
    re.I)
SURPRISE = re.compile(
    r"^(?:surprise me|anything|whatever(?: you (?:like|want))?|random(?: picture| image)?|"
    r"(?:draw|paint|make) (?:me )?(?:something|anything)(?: random| nice| cool)?|dealer'?s choice|"
    r"随便画?(?:点|一张)?|随便画(?:点|些)?(?:什么|啥)|随便|给我(?:个|一个)?惊喜|你随意|画点什么|"
    r"随便来一张)\W*$", re.I)
NOT_WANTED = re.compile(
    r"^(?:that'?s |this is |it'?s )?not (?:what i (?:wanted|asked for|meant)|right|it|good)\W*$|"
    r"^(?:that'?s |it'?s )?wrong\W*$|^不对\W*$|^不是我想要的|^不是这样|^不行\W*$", re.I)
DIFF = re.compile(
    r"\bwhat (?:did you|have you|has) change|\bwhat changed\b|\bwhat'?s (?:the )?differen|"
    r"\bcompare\b|\bdifference between\b|\bhow (?:is|are) .* different\b|"
    r"改了什么|改动了?什么|有什么(?:不同|区别)|区别是什么|比较|对比", re.I)
FAQ = {
    "save": re.compile(r"\b(?:how (?:do|can) i|can i|where do i) (?:save|download|export|"
                       r"keep)\b.*|\b(?:can|could) you (?:send|give|email|export) (?:me )?"
                       r"(?:it|this|that|the (?:picture|image|file))(?: to me)? as an? "
                       r"(?:file|png|jpe?g|download)\b|"
                       r"怎么保存|如何保存|怎么下载|如何下载|保存到哪", re.I),
    "bigger": re.compile(r"\b(?:can i get (?:it|this|them) (?:bigger|larger)|higher resolution|"
                         r"(?:increase|change|set) the (?:size|resolution)|bigger pictures|"
                         r"larger pictures)\b|分辨率|高清一点|大尺寸", re.I),
    "noise": re.compile(r"\b(?:why (?:is|are|does) .*(?:noise|noisy|random|garbage|static|look "
                        r"(?:bad|weird))|just noise|only noise)\b|噪点|为什么.*(?:乱|花|看不清)",
                        re.I),
}
EDIT_CUE = re.compile(
    r"^as an? |^in (?:the )?style\b|^like an? |^(?:\w+\s+){0,2}(?:style|version)\W*$|\bto be\b|"
    r"\bshould be\b|"
    r"^(?:line art|pixel art|watercolou?r|oil painting|sketch|cartoon|anime|manga|3d|cgi|"
    r"black and white|monochrome|sepia|vintage|retro)\b|"
    r"\b(?:fewer|double|triple|twice|half|only one|just one|"
    r"more|less|bigger|smaller|brighter|darker|lighter|larger|taller|shorter|older|younger|"
    r"happier|sadder|wider|thinner|fatter|longer|it|him|her|them|instead)\b|"
    r"更|一点|一些|大些|小些|它|他|她|他们|她们|它们|变得?[大小亮暗长短高矮胖瘦老年轻]|改为|换为|"
    r"^背景|虚化|模糊|色调|代替|替换|取代|换掉|^(?:can|could|would|should|will) (?:the|his|her|its|"
    r"their|it|he|she|they)\b.*\b(?:be|have|wear|look)\b",
    re.I)
EDIT_LEAD = re.compile(
    r"^(?:age|have|make|turn|change|add|remove|delete|erase|replace|swap|put|give|let|set|switch|"
    r"get rid of|take (?:away|off|out)|convert|transform|move|place|paint|color|colour|"
    r"recolor|dye|increase|decrease|reduce|enlarge|shrink|zoom|brighten|darken|lighten|"
    r"without|no more|lose|drop|keep|seat|position|hang|perch|station|drape|mount|tuck|"
    r"scatter|sprinkle|lay|prop|pin|stick|wrap|cover|fill|"
    r"(?:much |a bit |a little |slightly |way |even )?(?:warmer|cooler|colder|hotter|softer|"
    r"brighter|darker|lighter|bigger|smaller|larger|taller|shorter|wider|narrower|closer|"
    r"further|farther|higher|lower|older|younger|happier|sadder|calmer|busier|cleaner|sharper|"
    r"moodier|cozier|cosier|cuter|scarier|creepier|simpler|richer|deeper|paler|bolder|"
    r"stronger|weaker|thicker|thinner|longer|fuller|sunnier|cloudier|greener|bluer|redder|"
    r"pinker|less busy|less cluttered|more)\b)\b|"
    r"^(?:把|将|让|给|换|改|加|添|去掉|删|移除|变成|换成|改成|画成|"
    r"再加|加上|不要|去除|使|再(?![画来生做])|多加|多放|多来|少|撒|来点|来些|整点|弄点|颜色|配色|色调|"
    r"在.{1,8}?(?:上|里|中|旁边|前面|后面)(?:加|放|挂|摆|增设|添|画|来)|could there be|"
    r"can there be|there should be)",
    re.I)


MORE_OF = re.compile(r"^(?:and|also|plus|and also|oh and|as well as)\s+((?:a|an|some|the|two|"
                      r"three|few|a few|more|another)\b.+)$", re.I)
PLACED = re.compile(r"(?:over|above|under|below|in|on|at|near|beside|behind|inside|through|"
                     r"across|by|next to|in front of|on top of|among)\s+(?:a|an|the|some)\s+"
                     r"[\w' -]{2,40}", re.I)
