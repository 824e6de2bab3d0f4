"""English word lists the prompt editor uses to find noun phrases, places and poses."""

import re

BOUNDARY = frozenset(
    "on in at under over above below near by beside behind between among through across "
    "along around inside outside into onto from with without for against toward towards "
    "during before after beneath atop amid upon via like and or but while that which who "
    "whose where is are was were has have had wearing holding carrying riding eating "
    "reading playing sitting standing lying sleeping running walking flying looking "
    "watching surrounded covered made filled of to next front than as".split())
PREP = frozenset(
    "on in at under over above below near by beside behind between among through across "
    "along around inside outside into onto from beneath atop amid upon against to of".split())
LOC_PREP = frozenset("on in at under inside beside near by atop beneath underwater against over "
                      "above across along".split())
CONNECT = frozenset("with and plus including featuring wearing holding carrying having "
                     "has beside".split())
DETS = frozenset("a an the one some two three four five six seven eight nine ten eleven "
                  "twelve several many few couple pair his her its their this that these "
                  "those".split())
MEASURE = frozenset(
    "cup bowl pair bunch group plate glass slice piece basket bouquet vase pile stack herd "
    "flock pack school couple set box bottle jar row lot kind type bag mug pot tray "
    "handful swarm crowd team family".split())
FRAME = re.compile(
    r"^\s*(?:(?:a|an|the)\s+)?(?:[\w'-]+\s+){0,3}?(?:photo|photograph|picture|image|painting|"
    r"drawing|sketch|illustration|render|rendering|portrait|close-up|closeup|shot|view|"
    r"still life|watercolou?r|artwork|poster|icon)\s+of\s+", re.I)
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*|[\u3400-\u9fff]+|\S")
QUALITY_WORDS = frozenset(
    "masterpiece best quality high highest top highly ultra extremely detailed detail "
    "details hd uhd hdr absurdres highres sharp focus intricate award winning award-winning "
    "trending on artstation official art wallpaper unity raw photo res resolution "
    "professional cinematic lighting studio soft dramatic volumetric light lights bokeh "
    "depth of field octane render unreal engine photorealistic realistic hyperrealistic "
    "hyper-realistic 8k 4k 16k 2k 32k beautiful amazing stunning epic illustration "
    "concept digital painting very insanely".split())

ING_NOUNS = frozenset(
    "clearing opening crossing carving dwelling offering housing lighting setting filling "
    "topping pudding stuffing frosting ending beginning blessing gathering meeting "
    "king ring wing string ceiling building painting clothing evening morning spring swing "
    "sibling thing nothing something everything anything railing awning lightning icing "
    "frosting bedding dumpling duckling seedling sapling darling earring landing pudding "
    "wedding sling stocking viking dining".split())
ING_COMPOUND_HEADS = frozenset(
    "room table pool lot boat machine chair stick shoe bag board pan area hall station suit "
    "gear hole rod pole line path trail track field ground court cart car bike kit set "
    "costume outfit horse ship".split())
POSE_PARTICIPLES = frozenset("perched seated curled crouched poised stretched sprawled "
                              "hunched propped slumped parked moored docked".split())
# things a subject sits or stands on, not its surroundings ("on a chair in a kitchen")
SUPPORTS = frozenset(
    "sofa couch bed table desk chair armchair stool bench windowsill sill floor rug carpet "
    "mat blanket towel pillow cushion rock stone log stump branch fence swing horseback "
    "skateboard bicycle bike step stair saddle lap shoulder hand ledge shelf counter "
    "surfboard boat raft tray plate".split())
KEEP_ADJECTIVES = frozenset(
    "cute beautiful pretty ugly fluffy shiny scary spooky cozy detailed elegant cheerful "
    "gloomy dramatic vivid soft furry futuristic ancient modern magical mysterious warm cold "
    "glowing realistic majestic cinematic moody lively friendly fierce wild lonely lone "
    "giant tiny huge little".split())
# words after a verb that are not its object ("walking down a street", "standing backstage")
NOT_OBJECTS = frozenset(
    "down up off out away back past backstage outside outdoors indoors inside home here "
    "there upstairs downstairs alone together still quietly happily slowly fast quickly "
    "nearby around about barefoot".split())
# apparatus an action is done on: it goes with that action ("running on a treadmill")
APPARATUS = frozenset("treadmill trampoline skateboard surfboard snowboard bike bicycle "
                      "unicycle scooter skis rowing elliptical swing seesaw slide "
                      "motorcycle".split())
LOOK_VERBS = frozenset("looking staring gazing peeking peering facing pointing glancing "
                        "watching".split())
SHADES = frozenset("light dark pale bright deep pastel neon vivid".split())
# the usual order of English adjectives: a happy big old round red wooden table
MODIFIER_ORDER = {"expression": 0, "state": 1, "size": 2, "age": 3, "shape": 4, "color": 5,
                   "material": 6}
# people named by their age ("an old lady" is no "little" anything)
AGE_NOUNS = frozenset(
    "child kid baby toddler infant teenager teen youth adult elder lady gentleman grandpa "
    "grandma grandfather grandmother granny senior boy girl puppy kitten cub calf foal chick "
    "duckling lamb piglet fawn newborn".split())
# second words of compound names the user may shorten ("the teddy" for "a teddy bear")
COMPOUND_HEADS = frozenset(
    "bear shirt coat jacket boots shoes hat bike bicycle truck boat ship plane machine "
    "tower castle station robot doll".split())
# heads of place names a prompt may list as a bare segment (", conference room,", ", gym")
PLACE_HEADS = frozenset(
    "room field street forest kitchen city park garden beach studio stage hall office lab "
    "laboratory pond lake desert mountains valley village market cafe restaurant library "
    "classroom gym arena stadium temple church castle station airport harbor port alley road "
    "highway meadow farm yard backyard courtyard garage warehouse factory ocean sea river "
    "shore coast cliff cave jungle savanna tundra swamp marsh canyon island landscape "
    "skyline town square plaza court track pool rink mall shop store bar pub club diner "
    "hospital clinic school campus museum gallery theater theatre cinema church cathedral "
    "ballroom lobby corridor hallway attic basement cellar greenhouse barn stable orchard "
    "vineyard bamboo woods woodland grove clearing trail path countryside suburb downtown "
    "interior exterior backdrop view scenery setting background".split())
