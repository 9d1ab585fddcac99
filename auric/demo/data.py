"""The vocabulary of the demo shop: categories, collections, locations, metal prices and style families.

Plain data, no Django. `auric.demo.plan` combines these tables with a seeded random generator into a
catalog plan; the writers turn the plan into rows through the services (or in bulk for --scale).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# --- Categories: (slug, name, name_en, parent slug or "") in display order -------------------------
CATEGORIES: tuple[tuple[str, str, str, str], ...] = (
    ("bangles", "手镯", "Bangles", ""),
    ("rings", "戒指", "Rings", ""),
    ("solitaire-rings", "钻戒", "Solitaire rings", "rings"),
    ("wedding-bands", "对戒", "Wedding bands", "rings"),
    ("necklaces", "项链", "Necklaces", ""),
    ("pendants", "吊坠", "Pendants", ""),
    ("earrings", "耳饰", "Earrings", ""),
    ("stud-earrings", "耳钉", "Stud earrings", "earrings"),
    ("drop-earrings", "耳坠", "Drop earrings", "earrings"),
    ("bracelets", "手链", "Bracelets", ""),
    ("charms", "转运珠", "Lucky charms", "bracelets"),
    ("accessories", "配件", "Accessories", ""),
    ("chains", "素链", "Chains", "accessories"),
    ("earring-backs", "耳堵", "Earring backs", "accessories"),
)

# --- Collections: (slug, name, name_en, edition size or None, featured, launched days ago, description, en)
COLLECTIONS: tuple[tuple[str, str, str, int | None, bool, int, str, str], ...] = (
    (
        "heritage",
        "传承·古法",
        "Heritage",
        None,
        True,
        420,
        "以失蜡铸造、手工锤揲与錾刻还原宫廷古法金器的温润哑光。",
        "Lost-wax casting, hand hammering and chasing recreate the soft matte glow of imperial gold.",
    ),
    (
        "fortune",
        "福运",
        "Fortune",
        None,
        False,
        300,
        "福字、如意、葫芦与貔貅，寓意平安顺遂的日常佩戴系列。",
        "Fu characters, ruyi, gourds and pixiu: everyday charms for good fortune.",
    ),
    (
        "starlight",
        "星辰",
        "Starlight",
        None,
        True,
        200,
        "经国际权威实验室分级的钻石，六爪与包镶经典款式。",
        "Laboratory-graded diamonds in classic six-prong and bezel settings.",
    ),
    (
        "year-of-the-horse-2026",
        "丙午马年生肖限定",
        "Year of the Horse 2026 Limited Edition",
        888,
        True,
        40,
        "2026丙午马年生肖限定，全球限量888件，每件附独立编号证书。",
        "Zodiac limited edition for the Year of the Horse 2026: 888 numbered pieces worldwide.",
    ),
    (
        "oriental-filigree",
        "东方花丝",
        "Oriental Filigree",
        99,
        True,
        75,
        "国家级非遗花丝镶嵌技艺，限量99件。",
        "National intangible-heritage filigree and setting craft, limited to 99 pieces.",
    ),
    (
        "ocean-song",
        "海韵",
        "Ocean Song",
        None,
        False,
        150,
        "Akoya、南洋金珠与淡水珍珠的柔和光泽。",
        "The soft lustre of akoya, South Sea golden and freshwater pearls.",
    ),
    (
        "bridal",
        "囍·婚嫁",
        "Bridal",
        None,
        False,
        500,
        "龙凤呈祥、三金五金，中式婚嫁金饰。",
        "Dragon-and-phoenix bangles and the traditional bridal gold set.",
    ),
)

# Theme tags beside the seeded craft tags: (code, name, name_en)
THEMES: tuple[tuple[str, str, str], ...] = (
    ("wedding", "婚嫁", "Wedding"),
    ("zodiac", "生肖", "Zodiac"),
    ("gift", "送礼", "Gifts"),
    ("investment", "保值", "Value keeping"),
    ("everyday", "日常", "Everyday"),
)


# --- Locations -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LocationSpec:
    code: str
    name: str
    name_en: str
    kind: str  # warehouse | store | in_transit
    city: str = ""
    city_en: str = ""
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    opening_hours: str = ""
    phone: str = ""
    sells_online: bool = False
    share: float = 0.0  # share of serialized pieces placed here


LOCATIONS: tuple[LocationSpec, ...] = (
    LocationSpec(
        "wh-shenzhen-shuibei",
        "深圳水贝中心仓",
        "Shenzhen Shuibei Central Warehouse",
        "warehouse",
        "深圳",
        "Shenzhen",
        "广东省深圳市罗湖区水贝一路18号水贝珠宝物流中心B座",
        Decimal("22.575830"),
        Decimal("114.124960"),
        "周一至周六 09:00–18:00",
        "0755-2558 0106",
        True,
        0.46,
    ),
    LocationSpec(
        "st-shanghai-nanjingxilu",
        "上海南京西路店",
        "Shanghai West Nanjing Road",
        "store",
        "上海",
        "Shanghai",
        "上海市静安区南京西路1266号恒隆广场一层",
        Decimal("31.228680"),
        Decimal("121.453640"),
        "10:00–22:00",
        "021-6288 1266",
        True,
        0.11,
    ),
    LocationSpec(
        "st-beijing-wangfujing",
        "北京王府井店",
        "Beijing Wangfujing",
        "store",
        "北京",
        "Beijing",
        "北京市东城区王府井大街255号一层",
        Decimal("39.914310"),
        Decimal("116.410680"),
        "09:30–22:00",
        "010-6512 0255",
        False,
        0.10,
    ),
    LocationSpec(
        "st-shenzhen-shuibei",
        "深圳水贝旗舰店",
        "Shenzhen Shuibei Flagship",
        "store",
        "深圳",
        "Shenzhen",
        "广东省深圳市罗湖区贝丽北路97号水贝万山珠宝园一层",
        Decimal("22.571050"),
        Decimal("114.126820"),
        "09:30–20:30",
        "0755-8250 0097",
        True,
        0.09,
    ),
    LocationSpec(
        "st-guangzhou-tianhe",
        "广州天河路店",
        "Guangzhou Tianhe Road",
        "store",
        "广州",
        "Guangzhou",
        "广东省广州市天河区天河路208号天河城一层",
        Decimal("23.132520"),
        Decimal("113.327030"),
        "10:00–22:00",
        "020-8559 0208",
        False,
        0.08,
    ),
    LocationSpec(
        "st-chengdu-chunxilu",
        "成都春熙路店",
        "Chengdu Chunxi Road",
        "store",
        "成都",
        "Chengdu",
        "四川省成都市锦江区春熙路西段9号",
        Decimal("30.655640"),
        Decimal("104.080720"),
        "10:00–22:00",
        "028-8665 0009",
        False,
        0.08,
    ),
    LocationSpec(
        "st-hangzhou-hubin",
        "杭州湖滨店",
        "Hangzhou Hubin",
        "store",
        "杭州",
        "Hangzhou",
        "浙江省杭州市上城区湖滨路28号湖滨银泰in77 C区一层",
        Decimal("30.258710"),
        Decimal("120.164030"),
        "10:00–22:00",
        "0571-8702 0028",
        False,
        0.08,
    ),
    LocationSpec("in-transit", "在途", "In transit", "in_transit"),
)
WAREHOUSE_CODE = LOCATIONS[0].code
IN_TRANSIT_CODE = "in-transit"

# --- Metal prices --------------------------------------------------------------------------------
# Today's level per gram in CNY for each (metal, fineness) the catalog uses, and the daily
# volatility of the random walk. Levels are rounded market-plausible figures, not a feed.
METAL_PRICES: dict[tuple[str, int], Decimal] = {
    ("gold", 990): Decimal("968.00"),
    ("gold", 750): Decimal("742.00"),
    ("gold", 585): Decimal("580.00"),
    ("platinum", 950): Decimal("405.00"),
    ("platinum", 900): Decimal("386.00"),
    ("silver", 990): Decimal("9.40"),
    ("silver", 925): Decimal("8.80"),
}
DAILY_VOLATILITY = {"gold": 0.009, "platinum": 0.014, "silver": 0.017}
PRICE_HISTORY_DAYS = 90

PURITY_ZH = {
    ("gold", 990): "足金",
    ("gold", 750): "18K金",
    ("gold", 585): "14K金",
    ("platinum", 950): "Pt950",
    ("platinum", 900): "Pt900",
    ("silver", 990): "足银",
    ("silver", 925): "S925银",
}
PURITY_EN = {
    ("gold", 990): "24K pure gold",
    ("gold", 750): "18K gold",
    ("gold", 585): "14K gold",
    ("platinum", 950): "Pt950 platinum",
    ("platinum", 900): "Pt900 platinum",
    ("silver", 990): "Pure silver",
    ("silver", 925): "S925 sterling silver",
}

# --- Style families ------------------------------------------------------------------------------
Motif = tuple[str, str]  # (zh, en)


@dataclass(frozen=True)
class Family:
    """A kind of product: what it is made of, how it is priced, its names and its piece counts."""

    key: str
    code_prefix: str
    share: int  # relative number of styles
    category: str
    article: Motif  # 手镯 / bangle
    metals: tuple[tuple[str, int], ...]
    pricing_mode: str  # by_weight | fixed
    weight_g: tuple[float, float]
    motifs: tuple[Motif, ...]
    labour_basis: str = "per_piece"
    labour_fee: tuple[int, int] = (0, 0)
    crafts: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    craft_word: Motif = ("", "")
    gem: str = ""  # diamond | jadeite | nephrite | pearl
    lab_grown: bool = False
    pearl_type: str = ""
    pieces: tuple[int, int] = (3, 8)
    sizes: tuple[str, ...] = ("",)
    collections: tuple[str, ...] = ()
    shape: str = "pendant"  # which drawing the images use
    price_range: tuple[int, int] = (0, 0)  # fixed-price designs without a graded stone
    quantity_goods: bool = False
    extra: dict[str, object] = field(default_factory=dict)


RING_SIZES = ("11", "12", "13", "14", "15", "16")
BANGLE_SIZES = ("54", "56", "58", "60")
CHAIN_LENGTHS = ("40cm", "45cm", "50cm")

FAMILIES: tuple[Family, ...] = (
    Family(
        "gufa-bangle",
        "AG",
        26,
        "bangles",
        ("手镯", "bangle"),
        (("gold", 990),),
        "by_weight",
        (18.0, 62.0),
        (
            ("福字", "Fu character"),
            ("如意", "Ruyi"),
            ("竹节", "Bamboo"),
            ("祥云", "Auspicious cloud"),
            ("莲花", "Lotus"),
            ("缠枝", "Scrolling vine"),
            ("素圈", "Plain"),
            ("回纹", "Meander"),
            ("喜字", "Double happiness"),
            ("龙凤", "Dragon and phoenix"),
            ("錾花牡丹", "Chased peony"),
            ("传承", "Heirloom"),
        ),
        labour_basis="per_gram",
        labour_fee=(18, 45),
        crafts=("gufa",),
        themes=("investment",),
        craft_word=("古法", "ancient-method"),
        pieces=(4, 9),
        sizes=BANGLE_SIZES,
        collections=("heritage", "bridal", "fortune"),
        shape="bangle",
    ),
    Family(
        "gold-pendant",
        "AP",
        24,
        "pendants",
        ("吊坠", "pendant"),
        (("gold", 990),),
        "by_weight",
        (1.8, 8.5),
        (
            ("平安扣", "Peace buckle"),
            ("葫芦", "Gourd"),
            ("貔貅", "Pixiu"),
            ("生肖马", "Zodiac horse"),
            ("锦鲤", "Koi"),
            ("长命锁", "Longevity lock"),
            ("观音", "Guanyin"),
            ("四叶草", "Four-leaf clover"),
            ("如意锁", "Ruyi lock"),
            ("福袋", "Lucky bag"),
        ),
        labour_fee=(80, 320),
        themes=("gift",),
        pieces=(4, 8),
        collections=("fortune", "year-of-the-horse-2026"),
        shape="pendant",
    ),
    Family(
        "charm-bead",
        "AB",
        18,
        "charms",
        ("转运珠", "lucky charm bead"),
        (("gold", 990),),
        "by_weight",
        (0.6, 2.6),
        (
            ("招财猫", "Lucky cat"),
            ("小金猪", "Golden piglet"),
            ("元宝", "Ingot"),
            ("铜钱", "Coin"),
            ("莲蓬", "Lotus pod"),
            ("马上有钱", "Horse with coin"),
            ("桃花", "Peach blossom"),
            ("六字真言", "Six-syllable mantra"),
        ),
        labour_fee=(38, 128),
        themes=("everyday", "gift"),
        pieces=(5, 10),
        collections=("fortune", "year-of-the-horse-2026"),
        shape="bead",
    ),
    Family(
        "5g-bracelet",
        "A5",
        10,
        "bracelets",
        ("手链", "bracelet"),
        (("gold", 990),),
        "by_weight",
        (3.0, 12.0),
        (("串珠", "Beaded"), ("蛇骨链", "Snake chain"), ("竹节", "Bamboo"), ("星月", "Star and moon")),
        labour_fee=(150, 420),
        crafts=("5g",),
        craft_word=("5G", "5G"),
        themes=("everyday",),
        pieces=(4, 8),
        collections=("fortune",),
        shape="bracelet",
    ),
    Family(
        "hard-gold",
        "AH",
        12,
        "earrings",
        ("耳饰", "earrings"),
        (("gold", 990),),
        "by_weight",
        (1.2, 4.5),
        (
            ("几何", "Geometric"),
            ("蝴蝶", "Butterfly"),
            ("流苏", "Tassel"),
            ("满月", "Full moon"),
            ("银杏叶", "Ginkgo leaf"),
        ),
        labour_fee=(120, 360),
        crafts=("yingjin",),
        craft_word=("硬金", "hard-gold"),
        themes=("everyday",),
        pieces=(4, 8),
        collections=("fortune",),
        shape="earring",
    ),
    Family(
        "gold-ring",
        "AR",
        10,
        "rings",
        ("戒指", "ring"),
        (("gold", 990),),
        "by_weight",
        (2.5, 8.0),
        (("素圈", "Plain band"), ("福字", "Fu character"), ("转运", "Lucky turn"), ("龙凤", "Dragon and phoenix")),
        labour_fee=(60, 220),
        themes=("wedding",),
        pieces=(4, 8),
        sizes=RING_SIZES,
        collections=("bridal", "fortune"),
        shape="ring",
    ),
    Family(
        "gold-necklace",
        "AN",
        10,
        "necklaces",
        ("项链", "necklace"),
        (("gold", 990),),
        "by_weight",
        (6.0, 28.0),
        (("O字链", "Rolo chain"), ("瓜子链", "Melon-seed chain"), ("花丝", "Filigree"), ("锁骨链", "Collarbone chain")),
        labour_basis="per_gram",
        labour_fee=(12, 30),
        crafts=("huasi",),
        pieces=(3, 7),
        sizes=CHAIN_LENGTHS,
        collections=("oriental-filigree", "heritage"),
        shape="necklace",
    ),
    Family(
        "diamond-ring",
        "DR",
        22,
        "solitaire-rings",
        ("戒指", "ring"),
        (("gold", 750), ("platinum", 950)),
        "fixed",
        (2.4, 4.8),
        (
            ("六爪", "Six-prong"),
            ("四爪", "Four-prong"),
            ("皇冠", "Crown"),
            ("包镶", "Bezel"),
            ("群镶", "Halo"),
            ("扭臂", "Twisted band"),
        ),
        crafts=("xiangqian",),
        themes=("wedding",),
        gem="diamond",
        pieces=(4, 9),
        sizes=RING_SIZES,
        collections=("starlight",),
        shape="diamond-ring",
    ),
    Family(
        "diamond-pendant",
        "DP",
        10,
        "pendants",
        ("吊坠", "pendant"),
        (("gold", 750), ("platinum", 950)),
        "fixed",
        (1.2, 3.2),
        (("单钻", "Solitaire"), ("水滴", "Teardrop"), ("心形", "Heart"), ("星芒", "Starburst")),
        crafts=("xiangqian",),
        themes=("gift",),
        gem="diamond",
        pieces=(3, 7),
        collections=("starlight",),
        shape="diamond-pendant",
    ),
    Family(
        "diamond-studs",
        "DE",
        8,
        "stud-earrings",
        ("耳钉", "stud earrings"),
        (("gold", 750), ("platinum", 950)),
        "fixed",
        (1.0, 2.6),
        (("经典四爪", "Classic four-prong"), ("花朵", "Flower"), ("圆环", "Hoop")),
        crafts=("xiangqian",),
        gem="diamond",
        pieces=(3, 6),
        collections=("starlight",),
        shape="earring",
    ),
    Family(
        "lab-diamond-ring",
        "DL",
        10,
        "solitaire-rings",
        ("戒指", "ring"),
        (("gold", 750), ("platinum", 950)),
        "fixed",
        (2.4, 4.6),
        (("六爪", "Six-prong"), ("简约", "Minimal"), ("双排", "Double row"), ("公主方", "Princess")),
        crafts=("xiangqian",),
        themes=("wedding",),
        gem="diamond",
        lab_grown=True,
        pieces=(4, 8),
        sizes=RING_SIZES,
        collections=("starlight",),
        shape="diamond-ring",
    ),
    Family(
        "jadeite-bangle",
        "JB",
        8,
        "bangles",
        ("手镯", "bangle"),
        (),
        "fixed",
        (45.0, 78.0),
        (
            ("冰种", "Icy"),
            ("糯种", "Glutinous"),
            ("飘花", "Floating flower"),
            ("阳绿", "Bright green"),
            ("晴水", "Clear water"),
        ),
        gem="jadeite",
        pieces=(2, 5),
        sizes=BANGLE_SIZES,
        collections=("heritage",),
        shape="jade-bangle",
        extra={"price_per_g": (120, 1600)},
    ),
    Family(
        "jadeite-pendant",
        "JP",
        8,
        "pendants",
        ("吊坠", "pendant"),
        (("gold", 750),),
        "fixed",
        (3.0, 12.0),
        (
            ("平安扣", "Peace buckle"),
            ("观音", "Guanyin"),
            ("佛公", "Laughing Buddha"),
            ("叶子", "Leaf"),
            ("福瓜", "Fortune melon"),
        ),
        crafts=("xiangqian",),
        gem="jadeite",
        pieces=(3, 6),
        collections=("fortune",),
        shape="jade-pendant",
        extra={"price_per_g": (300, 2600)},
    ),
    Family(
        "nephrite",
        "JH",
        8,
        "bangles",
        ("手镯", "bangle"),
        (),
        "fixed",
        (40.0, 70.0),
        (("羊脂白", "Mutton-fat white"), ("青白", "Celadon white"), ("碧玉", "Spinach green"), ("糖白", "Sugar white")),
        gem="nephrite",
        pieces=(2, 5),
        sizes=BANGLE_SIZES,
        collections=("heritage",),
        shape="nephrite-bangle",
        extra={"price_per_g": (60, 900)},
    ),
    Family(
        "akoya",
        "PA",
        7,
        "necklaces",
        ("项链", "necklace"),
        (("gold", 750),),
        "fixed",
        (14.0, 30.0),
        (("正圆", "Round"), ("天女", "Tennyo"), ("渐变", "Graduated")),
        gem="pearl",
        pearl_type="akoya",
        pieces=(3, 6),
        sizes=("42cm", "45cm"),
        collections=("ocean-song",),
        shape="pearl-necklace",
        price_range=(3800, 26000),
    ),
    Family(
        "south-sea",
        "PS",
        6,
        "pendants",
        ("吊坠", "pendant"),
        (("gold", 750),),
        "fixed",
        (2.5, 6.0),
        (("金珠", "Golden pearl"), ("白珠", "White pearl"), ("水滴", "Teardrop")),
        gem="pearl",
        pearl_type="south_sea",
        pieces=(3, 6),
        collections=("ocean-song",),
        shape="pearl-pendant",
        price_range=(4200, 32000),
    ),
    Family(
        "freshwater",
        "PF",
        7,
        "drop-earrings",
        ("耳坠", "drop earrings"),
        (("silver", 925),),
        "fixed",
        (2.0, 5.0),
        (("巴洛克", "Baroque"), ("馒头珠", "Button pearl"), ("流苏", "Tassel")),
        gem="pearl",
        pearl_type="freshwater",
        pieces=(4, 8),
        collections=("ocean-song",),
        shape="pearl-earring",
        price_range=(299, 1299),
    ),
    Family(
        "silver-bangle",
        "SB",
        9,
        "bangles",
        ("手镯", "bangle"),
        (("silver", 990),),
        "by_weight",
        (28.0, 68.0),
        (("素面", "Plain"), ("錾花", "Chased"), ("竹节", "Bamboo"), ("祥云", "Auspicious cloud")),
        labour_fee=(98, 298),
        crafts=("zanhua",),
        themes=("everyday",),
        pieces=(4, 8),
        sizes=BANGLE_SIZES,
        collections=("heritage",),
        shape="bangle",
    ),
    Family(
        "sterling",
        "SS",
        9,
        "necklaces",
        ("项链", "necklace"),
        (("silver", 925),),
        "fixed",
        (3.0, 9.0),
        (("锁骨链", "Collarbone"), ("月光", "Moonlight"), ("珐琅花", "Enamel flower"), ("镂空心", "Openwork heart")),
        crafts=("falang", "loukong"),
        themes=("everyday", "gift"),
        pieces=(4, 8),
        collections=("fortune",),
        shape="necklace",
        price_range=(199, 899),
    ),
    Family(
        "chains",
        "CC",
        2,
        "chains",
        ("素链", "chain"),
        (("silver", 925), ("gold", 750)),
        "fixed",
        (2.0, 4.0),
        (("O字", "Rolo"), ("盒子", "Box")),
        sizes=CHAIN_LENGTHS,
        pieces=(0, 0),
        quantity_goods=True,
        shape="necklace",
        price_range=(159, 1899),
    ),
    Family(
        "earring-backs",
        "CB",
        1,
        "earring-backs",
        ("耳堵", "earring backs"),
        (("silver", 925),),
        "fixed",
        (0.2, 0.4),
        (("硅胶", "Silicone"), ("蝴蝶扣", "Butterfly")),
        pieces=(0, 0),
        quantity_goods=True,
        shape="bead",
        price_range=(19, 49),
    ),
)

# Search terms shoppers type; the benchmark picks from these.
SEARCH_QUERIES: tuple[str, ...] = (
    "古法黄金",
    "手镯",
    "足金手镯",
    "钻石戒指",
    "培育钻石",
    "翡翠",
    "和田玉",
    "珍珠项链",
    "转运珠",
    "吊坠",
    "耳钉",
    "平安扣",
    "Pt950",
    "18K金",
    "硬金",
    "5G黄金",
    "福字",
    "生肖马",
    "akoya",
    "diamond ring",
    "gold bangle",
    "pearl",
    "GIA",
    "足银",
)


# Demo suppliers (approved, with the certifications the default rules require: a business licence
# for all, Kimberley Process for the diamond dealer). Pieces are supplied by gem.
# code, name, name_en, kind, extra schemes held
SUPPLIERS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    (
        "sz-jinhui",
        "深圳金汇珠宝加工厂",
        "Jinhui Jewellery Works, Shenzhen",
        "manufacturer",
        ("precious_metals", "iso_9001"),
    ),
    ("sh-huazuan", "上海华钻钻石", "Huazuan Diamonds, Shanghai", "diamond_dealer", ("kimberley", "rjc_cop")),
    ("gz-caibao", "广州彩宝行", "Caibao Gemstones, Guangzhou", "gemstone_dealer", ("rjc_cop",)),
    ("zj-zhuji-pearl", "诸暨珍珠", "Zhuji Pearls", "pearl_dealer", ()),
    ("yn-ruili-jade", "瑞丽玉石", "Ruili Jade", "jade_dealer", ()),
)
SUPPLIER_FOR_GEM = {
    "diamond": "sh-huazuan",
    "ruby": "gz-caibao",
    "sapphire": "gz-caibao",
    "emerald": "gz-caibao",
    "pearl": "zj-zhuji-pearl",
    "jadeite": "yn-ruili-jade",
    "nephrite": "yn-ruili-jade",
}
DEFAULT_SUPPLIER = "sz-jinhui"


def supplier_for(stone_kinds: list[str]) -> str:
    """The demo supplier of a piece: by its main (first) stone, else the metal works."""
    return SUPPLIER_FOR_GEM.get(stone_kinds[0], DEFAULT_SUPPLIER) if stone_kinds else DEFAULT_SUPPLIER
