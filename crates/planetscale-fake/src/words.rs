//! Word pools for generated names: plain ones, and the awkward ones every dataset must contain.

/// Organization names, suffixed with a number once used up.
pub(crate) const ORGS: [&str; 12] = [
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "cyberdyne",
    "soylent",
    "tyrell",
    "wonka-industries",
    "stark-industries",
    "wayne-enterprises",
    "massive-dynamic",
];

pub(crate) const FIRST_NAMES: [&str; 32] = [
    "Ada",
    "Grace",
    "Alan",
    "Barbara",
    "Edsger",
    "Frances",
    "Donald",
    "Margaret",
    "Ken",
    "Radia",
    "Dennis",
    "Katherine",
    "John",
    "Hedy",
    "Linus",
    "Anita",
    "Tim",
    "Shafi",
    "Guido",
    "Sophie",
    "Leslie",
    "Joan",
    "Niklaus",
    "Carol",
    "Bjarne",
    "Annie",
    "Robin",
    "Mary",
    "Yukihiro",
    "Evelyn",
    "Whitfield",
    "Jean",
];

pub(crate) const LAST_NAMES: [&str; 32] = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Liskov",
    "Dijkstra",
    "Allen",
    "Knuth",
    "Hamilton",
    "Thompson",
    "Perlman",
    "Ritchie",
    "Johnson",
    "Backus",
    "Lamarr",
    "Torvalds",
    "Borg",
    "Berners-Lee",
    "Goldwasser",
    "van Rossum",
    "Wilson",
    "Lamport",
    "Clarke",
    "Wirth",
    "Shaw",
    "Stroustrup",
    "Easley",
    "Milner",
    "Keller",
    "Matsumoto",
    "Boyd",
    "Diffie",
    "Sammet",
];

/// Names with accents and non-Latin scripts, each with the ASCII local part of its email.
pub(crate) const UNICODE_NAMES: [(&str, &str); 8] = [
    ("Zoë Ångström-Łukasiewicz", "zoe.angstrom"),
    ("José Núñez", "jose.nunez"),
    ("Søren Ødegård", "soren.odegard"),
    ("Łucja Żółkiewska", "lucja.zolkiewska"),
    ("François Lefèvre", "francois.lefevre"),
    ("Ngô Bảo Châu", "ngo.bao.chau"),
    ("Åsa Ýr Þórsdóttir", "asa.thorsdottir"),
    ("Ğülşen Çağlar", "gulsen.caglar"),
];

/// Names in CJK scripts, each with the ASCII local part of its email.
pub(crate) const CJK_NAMES: [(&str, &str); 4] = [
    ("山田 太郎", "taro.yamada"),
    ("李小龙", "xiaolong.li"),
    ("김민준", "minjun.kim"),
    ("陳美玲", "meiling.chen"),
];

pub(crate) const TEAMS: [&str; 24] = [
    "Platform",
    "Data Engineering",
    "Security",
    "Payments",
    "Growth",
    "SRE",
    "Mobile",
    "Frontend",
    "Backend",
    "Infrastructure",
    "Analytics",
    "Support",
    "Billing",
    "Search",
    "Identity",
    "Compliance",
    "Developer Experience",
    "Machine Learning",
    "QA",
    "Release",
    "Design Systems",
    "Marketing Ops",
    "Finance Tools",
    "Incident Response",
];

pub(crate) const DATABASES: [&str; 8] = [
    "orders",
    "users",
    "analytics",
    "billing",
    "inventory",
    "events",
    "search",
    "audit",
];

pub(crate) const OAUTH_APPS: [&str; 6] = [
    "Schema Insights",
    "Grafana Cloud",
    "Retool",
    "Hex",
    "Vercel",
    "Airbyte",
];

pub(crate) const PLANS: [&str; 4] = ["scaler_pro", "enterprise", "team", "hobby"];

pub(crate) const TOKEN_NAMES: [&str; 6] = [
    "ci-deployer",
    "governance-sync",
    "backup-runner",
    "terraform",
    "grafana",
    "migrations",
];

/// A display name of exactly 200 characters.
pub(crate) fn long_name() -> String {
    let base = "Hubert Blaine Wolfeschlegelsteinhausenbergerdorff Sr. ";
    let mut name: String = base.chars().cycle().take(199).collect();
    name.push('z');
    name
}
