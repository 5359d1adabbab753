"""Event types: ACLED's codebook, in code, for every provider. Pure logic.

The model types each incident inside its incidents answer (its judgement: which event, what kind
of act); code then checks that typing against the incident's evidence sentences (`checked`,
warning when it changes a type), in this order:

* `ruled`: where the codebook decides from the words alone, whatever the model gave: a weapon
  intercepted, shot down, defused, seized or found is Disrupted weapons use; a suicide attack is
  Suicide bomb whatever else it hit; a chemical agent is Chemical weapon; any attack from the air
  is Air/drone strike (the first that matches decides);
* protests and riots: the words decide among the crowd's sub-types (demonstrators who are violent
  themselves: Violent demonstration; killing or live fire: excessive force; tear gas, dispersal,
  arrests: intervention; else peaceful);
* the model's sub-type stands where the evidence holds a word for it, unless it is a generic one
  (Attack, Armed clash, Other) and a word names a more specific act, or it is Attack and the
  words speak of fighting or of armed men attacked (the codebook: that is a battle);
* else the first sub-type the words propose (`proposed`, ACLED's definitions as word lists, most
  specific first; one within the model's event type first); else `refined`.

`not_political` finds evidence that speaks of a disaster or accident, diplomacy or crime and of
no political violence: the pipeline removes such an incident, with a warning. Evidence that holds
no word of violence at all (`speaks_of_violence`) is judged by the whole article the same way.

Typing as small questions of its own (event type or "not political violence", then sub-type,
with definitions, options in an order drawn from the text) was built and measured for the
embedded 1.5B model, and lost: on the same 20 CASE 2021 snippets its weighted F1 was 0.18 against
0.38 for typing inside the incidents answer, with "Attack" given 11 times its share and no
non-violence snippet left without an incident (docs/benchmarks/quality.md, "Event types"; commit 94b21f1 holds it).
The word lists were written from the codebook's definitions and adjusted on CASE 2021 snippets;
docs/benchmarks/quality.md ("Event types") says on which, and how far its figures are fitted.
"""

from __future__ import annotations

import re

from extractor.taxonomy import EVENT_TYPE_OF

_WEAPONS = (
    r"(?:weapons|arms|ammunition|munitions|explosives?|IEDs?|improvised explosive devices?|explosive devices?|caches?|"
    r"stash(?:es)?|grenades|landmines|mines|rockets|guns|firearms|rifles|pistols|bullets|cartridges|rounds of)\b"
)
# The codebook's mechanical rules, in the order that decides (the first that matches wins).
_RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "Strategic developments",
        "Disrupted weapons use",
        re.compile(
            r"\b(?:intercept(?:ed|s|ion)?|shot down|downed|defused|defusing|dismantled|thwarted)\b[^.;]{0,60}?"
            r"\b(?:missiles?|rockets?|drones?|bombs?|IEDs?|explosives?|projectiles?|device)\b|"
            r"\b(?:missiles?|rockets?|drones?|bombs?|IEDs?|explosives?|device)\b[^.;]{0,40}?\b(?:were|was) "
            r"(?:intercepted|shot down|downed|defused)\b|"
            # weapons seized or found before use: the codebook files the seizure of caches here too
            r"\b(?:seiz\w*|found|discovered|recovered|confiscated|unearthed|destroyed|captured)\b[^.;]{0,60}?\b"
            + _WEAPONS
            + r"|"
            r"\b(?:caches?|stash(?:es)?|stockpiles?) of\b[^.;]{0,30}?\b"
            + _WEAPONS
            + r"|"
            + _WEAPONS
            + r"[^.;]{0,60}?\b(?:were|was|have been|had been) (?:found|seized|discovered|recovered|confiscated|defused)\b",
            re.I,
        ),
    ),
    (
        "Explosions/Remote violence",
        "Suicide bomb",
        re.compile(
            r"\bsuicide (?:bomb(?:er|ers|ing|ings)?|attack(?:er|ers|s)?|car bomb|vest|blast|truck bomb)\b|\bself-detonat|"
            r"\bblew (?:himself|herself|themselves) up\b",
            re.I,
        ),
    ),
    (
        "Explosions/Remote violence",
        "Chemical weapon",
        re.compile(
            r"\bchemical (?:weapons?|attacks?|agents?)\b|\bsarin\b|\bchlorine\b|\b(?:sulfur |sulphur )?mustard(?: gas)?\b|"
            r"\bnerve (?:agent|gas)\b|\b(?:toxic|poison(?:ous)?) gas(?:es)?\b",
            re.I,
        ),
    ),
    (
        "Explosions/Remote violence",
        "Air/drone strike",
        re.compile(
            r"\bair ?strikes?\b|\bair raids?\b|\bair attacks?\b|\bdrone (?:strikes?|attacks?)\b|\bwarplanes?\b|\bfighter jets?\b|"
            r"\bhelicopter gunships?\b|\baerial (?:bombardment|bombing|attacks?)\b|\bbombed from the air\b|"
            r"\bdrones? (?:struck|attacked|hit|targeted|bombed)\b|\b(?:bomb-carrying|armed|attack|kamikaze) drones?\b",
            re.I,
        ),
    ),
    # a device left to explode where its victims come (a landmine, an IED, a bomb planted), not one
    # thrown, worn or dropped (the rules above come first)
    (
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        re.compile(
            r"\b(?:IEDs?|improvised explosive devices?|roadside bombs?|land ?mines?|magnetic bombs?|sticky bombs?|"
            r"booby[- ]trap\w*|(?:bombs?|explosives?|IEDs?|mines?|devices?) (?:was |were |had been )?planted|"
            r"[\w-]+-planted (?:bombs?|IEDs?|mines?|explosives?)|planted (?:a |an |the )?(?:bombs?|explosives?|mines?))\b",
            re.I,
        ),
    ),
)
_EXCESSIVE = re.compile(
    r"\b(?:killed|shot dead|live (?:ammunition|fire|rounds)|opened fire|fired on|gunned down)\b", re.I
)
_INTERVENED = re.compile(
    r"\b(?:tear ?gas|water cannons?|rubber bullets|dispersed?|dispersing|arrested|detained|batons?|"
    r"stun grenades?|smoke grenades?|pepper[- ]spray\w*|non-?lethal|suppress\w*|crackdown|forcibly|"
    r"clashed with (?:police|security)|broke up|charged)\b",
    re.I,
)
_GRENADE = re.compile(r"(?<!propelled )(?<!propelled-)(?<!smoke )(?<!stun )(?<!flash )\bgrenades?\b", re.I)
_PLANTED = re.compile(
    r"\b(?:IEDs?|improvised explosive|roadside bombs?|land ?mines?|car bombs?|explosive devices?|"
    r"planted (?:a |an )?(?:bomb|explosive)s?|bomb (?:exploded|went off)|booby[- ]trap)",
    re.I,
)


# Sub-types that name an act or a weapon: the evidence must hold a word for it, or the incident
# falls back on its event type's plain sub-type (a small model gives one sub-type for many
# incidents whose words never name it: "Abduction/forced disappearance" for 15 times its share).
_NEEDS_WORDS: dict[str, re.Pattern[str]] = {
    "Abduction/forced disappearance": re.compile(
        r"\b(?:abduct\w*|kidnap\w*|hostages?|disappear\w*|missing|taken away|captive\w*|"
        r"seized (?:\d+|two|three|several|dozens) )",
        re.I,
    ),
    "Sexual violence": re.compile(r"\b(?:rap(?:e|ed|es|ing|ist)|sexual\w*|sexually)\b", re.I),
    "Grenade": re.compile(r"\bgrenades?\b", re.I),
    "Agreement": re.compile(
        r"\b(?:agree\w*|deal|ceasefire|cease-fire|truce|accord|signed|treaty|exchange|pact)\b", re.I
    ),
    "Arrests": re.compile(r"\b(?:arrest\w*|detain\w*|detention|custody|captured|apprehended|rounded up)\b", re.I),
    "Headquarters or base established": re.compile(r"\b(?:base|headquarters|camp|outpost|established|set up)\b", re.I),
    "Government regains territory": re.compile(
        r"\b(?:recaptur\w*|retook|retake\w*|regain\w*|liberat\w*|took back|back control)\b", re.I
    ),
    "Non-state actor overtakes territory": re.compile(
        r"\b(?:seiz\w*|captur\w*|took control|overran|overrun|took over|fell to)\b", re.I
    ),
}
PLAIN: dict[str, str] = {
    "Battles": "Armed clash",
    "Explosions/Remote violence": "Shelling/artillery/missile attack",
    "Violence against civilians": "Attack",
    "Protests": "Peaceful protest",
    "Riots": "Violent demonstration",
    "Strategic developments": "Other",
}

_ARMED_WORDS = (
    r"soldiers?|troops|military|army|bases?|posts?|checkpoints?|positions|security forces|security personnel|"
    r"policem[ae]n|police ?officers?|police station|barracks|militants|insurgents|terrorists|rebels|fighters|guards|"
    r"militiam[ae]n|patrols?"
)
_ARMED = rf"\b(?:{_ARMED_WORDS}|convoy)\b"  # words that propose an Armed clash among the options
# An attack on armed men or their posts (a convoy only when it is theirs: "a convoy of trucks" is
# not): what the codebook calls a battle whatever the model took.
_ARMED_MEN = rf"\b(?:{_ARMED_WORDS}|(?:military|army|police|armou?red) convoys?)\b"
_ON_ARMED = re.compile(
    r"\b(?:attack(?:ed|ing|s)?|stormed|raided|set upon|overran|assault(?:ed|ing|s)?|ambush\w*|shot|killed)\b[^.]{0,60}"
    + _ARMED_MEN
    + r"|"
    + _ARMED_MEN
    + r"[^.]{0,40}\b(?:were|was|have been|had been) (?:killed|wounded|injured|attacked|ambushed|shot)\b",
    re.I,
)
_PROTEST = r"(?:protest(?:s|ed|ing|ers?|ors?)?\b|demonstrat\w*|rall(?:y|ies|ied)|marche[sd]|marching|sit-ins?|picket\w*|hunger strike|went on strike|strikers)"
# The words that propose a sub-event type, from ACLED's definitions (written for this project),
# most specific first: `proposed` lists the sub-types whose words a text holds, in this order.
# A word list names the act, not a context, so an article's background words rarely propose.
PROPOSING: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Grenade", _GRENADE),
    (
        "Remote explosive/landmine/IED",
        re.compile(
            _PLANTED.pattern + r"|\b(?:bomb blast|bombing|bomb attack|explosive-laden|bomb exploded|detonated)\b", re.I
        ),
    ),
    (
        "Shelling/artillery/missile attack",
        re.compile(
            r"\b(?:shell(?:ed|ing|s)|artillery|mortars?|rockets?|missiles?|bombard\w*|howitzers?|projectiles?|katyusha)\b"
            r"(?! (?:tests?|launch(?:es)?|programmes?|programs?|technology)\b)",
            re.I,
        ),
    ),
    ("Sexual violence", _NEEDS_WORDS["Sexual violence"]),
    (
        "Abduction/forced disappearance",
        re.compile(
            r"\b(?:abduct\w*|kidnap\w*|hostages?|forcibly disappeared|"
            r"enforced disappearance|taken captive)\b",
            re.I,
        ),
    ),
    # Demonstrators who are violent themselves riot, whatever the police did (the codebook's order).
    (
        "Violent demonstration",
        re.compile(
            r"\b(?:riot(?:s|ed|ing|ers)?|stone[- ]pelt\w*|pelted|threw stones|hurled stones|petrol bombs?|molotov)\b|"
            rf"\b{_PROTEST}[^.]{{0,120}}\b(?:clash\w*|violent\w*|violence|smashed|torched|set (?:fire to|on fire|ablaze)|vandali[sz]\w*|"
            r"scuffl\w*|stormed|attacked)\b|\b(?:violent|aggressive|clash\w*)\b[^.]{0,40}\b" + _PROTEST,
            re.I,
        ),
    ),
    (
        "Excessive force against protesters",
        re.compile(
            rf"\b{_PROTEST}[^.]{{0,120}}\b(?:killed|shot dead|live (?:ammunition|fire|rounds)|opened fire|fired on|gunned down)\b|"
            rf"\b(?:killed|shot dead|opened fire on|fired on|gunned down)\b[^.]{{0,40}}\b(?:protesters|demonstrators|marchers)\b",
            re.I,
        ),
    ),
    (
        "Protest with intervention",
        re.compile(
            rf"\b{_PROTEST}[^.]{{0,160}}{_INTERVENED.pattern}|{_INTERVENED.pattern}[^.]{{0,80}}\b{_PROTEST}", re.I
        ),
    ),
    (
        "Mob violence",
        re.compile(
            r"\b(?:mobs?|lynch\w*|vigilantes?|angry (?:crowd|villagers|residents)|beaten to death|"
            r"beat (?:him|her|them) to death)\b",
            re.I,
        ),
    ),
    ("Peaceful protest", re.compile(rf"\b{_PROTEST}", re.I)),
    (
        "Government regains territory",
        re.compile(
            r"\b(?:recaptur\w*|retook|retake\w*|regain\w*|liberat\w*|took back|seized back|back control)\b|"
            r"\b(?:(?:government|army|state|security|military|regime|pro-government|national|federal)\s+(?:forces|troops|units|soldiers)|"
            r"(?:the |\w+'s )?army|troops)\b[^.]{0,80}\b(?:captured|seized|took (?:full )?control|freed|cleared|drove back|"
            r"pushed back|drove out|pushed out|occupied|purg\w*)\b",
            re.I,
        ),
    ),
    (
        "Non-state actor overtakes territory",
        re.compile(
            r"\b(?:seiz\w*|captur\w*|took control|taken control|overran|overrun|took over|fell to|stormed)\b[^.]{0,60}\b"
            r"(?:town|village|city|district|province|base|area|territory|region|border crossing|airport|capital|"
            r"headquarters|positions?)\b",
            re.I,
        ),
    ),
    (
        "Non-violent transfer of territory",
        re.compile(
            r"\b(?:withdr[ae]w\w*|pulled out|handed (?:over|authority)|hand over|retreated|evacuat\w*|leaving|left)\b[^.]{0,60}\b"
            r"(?:town|village|city|district|province|base|area|territory|region|positions?|control|bastion|stronghold)\b|"
            r"\bwithout (?:a )?(?:fight|fighting|resistance)\b",
            re.I,
        ),
    ),
    (
        "Headquarters or base established",
        re.compile(
            r"\b(?:set up|established|establish|built|opened|erected|created)\b[^.]{0,40}\b(?:bases?|headquarters|camps?|outposts?|"
            r"checkpoints?|posts?|observation points?|points|barracks)\b|\bnew (?:military )?(?:base|headquarters|outpost)\b",
            re.I,
        ),
    ),
    (
        "Looting/property destruction",
        re.compile(
            r"\b(?:loot\w*|ransack\w*|plunder\w*|demolish\w*|razed|burn(?:ed|t) down|destroyed (?:homes|houses|shops|property|"
            r"crops|buildings)|vandali[sz]\w*|torched)\b",
            re.I,
        ),
    ),
    ("Arrests", _NEEDS_WORDS["Arrests"]),
    (
        "Agreement",
        re.compile(
            r"\b(?:agreement|agreed|ceasefire|cease-fire|truce|peace (?:deal|accord|talks)|accord|signed|"
            r"prisoner (?:swap|exchange)|exchanged prisoners|released \w* ?(?:prisoners|hostages|detainees))\b",
            re.I,
        ),
    ),
    (
        "Change to group/activity",
        re.compile(
            r"\b(?:surrender\w*|defect\w*|pledged allegiance|merg\w*|split from|disband\w*|renamed|new leader|recruit\w*|demobili[sz]\w*|disarm\w*|mobili[sz]\w*|deploy\w*|"
            r"reinforcements)\b",
            re.I,
        ),
    ),
    # An attack on armed men is a battle, not violence against civilians.
    (
        "Armed clash",
        re.compile(
            r"\b(?:clash\w*|fighting|fought|gun ?battles?|firefights?|shoot-?outs?|exchanges? of fire|exchanged fire|skirmish\w*|"
            r"ambush\w*|battl\w*|offensive|engaged)\b|"
            r"\b(?:attack(?:ed|ing|s)?|stormed|raided|charged|set upon|overran|assault(?:ed|ing|s)?)\b[^.]{0,60}\b"
            + _ARMED
            + r"|"
            + _ARMED
            + r"[^.]{0,40}\b(?:were|was|have been|had been) (?:killed|wounded|injured|attacked|ambushed)\b|"
            r"\b(?:killed|wounded)\b[^.]{0,40}\b(?:militants|insurgents|terrorists|rebels|fighters|jihadists)\b",
            re.I,
        ),
    ),
    (
        "Attack",
        re.compile(
            r"\b(?:shot|shooting|gunmen|gunman|stabb\w*|hacked|massacre\w*|executed|beheaded|killed|murder\w*|assassinat\w*|"
            r"attack\w*|assault\w*|opened fire|tortur\w*|beat(?:en|ing)?)\b",
            re.I,
        ),
    ),
)
PROPOSED_WORDS = dict(PROPOSING)
# Sub-types a small model gives for many texts whatever they say ("Attack" for 24 times its share
# on CASE 2021): a word that names a more specific act outranks them.
GENERIC = frozenset({"Attack", "Armed clash", "Other"})
CROWD = ("Protests", "Riots")

# Political violence is done by someone to someone; these texts speak of something else. An
# incident whose evidence holds words of one of these kinds and no word that proposes a sub-type
# of political violence (nor of an armed or political actor) is not political violence.
_NOT_POLITICAL: dict[str, re.Pattern[str]] = {
    "a disaster or an accident": re.compile(
        r"\b(?:earthquakes?|quakes?|tremors?|floods?|flooding|flooded|cyclones?|hurricanes?|typhoons?|tornado\w*|storms?|"
        r"landslides?|mudslides?|avalanche|tsunami|wildfires?|bushfires?|forest fires?|drought|heatwave|heat wave|volcan\w*|"
        r"eruption|covid\w*|coronavirus|pandemic|epidemic|outbreak|infect\w*|virus|accident\w*|crash\w*|derail\w*|"
        r"collision|collided|capsiz\w*|sank|spill\w*|leak\w*|collaps\w*|caught fire|fire broke out|blaze|short circuit|"
        r"gas cylinder|boiler|stampede|factory|refinery|chemical plant|power plant|gas plant|nuclear plant|mine shaft|heavy rain\w*|"
        r"snow\w*|blizzards?|overturned|poison\w*|contaminat\w*|warehouse|storage (?:tank|container)|gas explosion|furnace|"
        r"hazards?|hazmat|(?:iron|steel|cement|fertili[sz]er|textile) (?:plant|factory|mill))\b",
        re.I,
    ),
    "diplomacy": re.compile(
        r"\b(?:diplomats?|diplomatic|embass(?:y|ies)|ambassadors?|consulates?|sanctions?|summit|foreign ministers?|"
        r"foreign ministry|bilateral|envoys?|expel\w*|Security Council|state visit|talks with|condemn\w*)\b",
        re.I,
    ),
    "crime": re.compile(
        r"\b(?:drugs?|narcotics?|cocaine|heroin|methamphetamine|cannabis|smuggl\w*|traffick\w*|fraud\w*|robber(?:y|ies)|"
        r"robbed|theft|thieves|burglar\w*|poach\w*|counterfeit|money laundering|brib\w*|scam\w*|pornograph\w*|"
        r"illegal (?:immigrants?|migrants?|mining|logging)|contraband|gangs?)\b",
        re.I,
    ),
}
# Words of harm done to people: diplomacy may speak of "the attack" it condemns, but an
# assassination or a kidnapping it speaks of is an incident.
_HARM = re.compile(
    r"\b(?:kill(?:s|ed|ing)|assassinat\w*|murder\w*|shot|shooting|gunned|massacre\w*|bomb(?:s|ed|ing)?|"
    r"kidnap\w*|abduct\w*|hostages?|wounded|executed)\b",
    re.I,
)
_TOLERATED: dict[str, set[str]] = {
    "a disaster or an accident": {
        "Attack",
        "Remote explosive/landmine/IED",
        "Armed clash",
        "Looting/property destruction",
        "Change to group/activity",
        "Arrests",
        "Agreement",
        "harm",
    },
    "diplomacy": {"Attack", "Arrests", "Agreement", "Change to group/activity"},
    "crime": {"Arrests", "Agreement", "Change to group/activity", "Looting/property destruction"},
}
_POLITICAL_ACTORS = re.compile(
    r"\b(?:militants?|rebels?|insurgents?|terroris\w*|jihadis\w*|guerrillas?|militias?|armed groups?|gunmen|troops|soldiers|"
    r"army|military|airstrikes?|protest(?:s|ed|ing|ers?|ors?)?|demonstrat\w*|opposition|activists?|separatists?|extremists?|fighters|"
    r"Islamic State|Taliban|al-Qaeda|al-Shabaab|Boko Haram|Houthis?|Hamas|Hezbollah)\b",
    re.I,
)


def proposed(text: str) -> list[str]:
    """The sub-event types whose words `text` holds, most specific first."""
    return [sub for sub, words in PROPOSING if words.search(text)]


def not_political(text: str) -> str | None:
    """What the text speaks of instead ("a disaster or an accident", "diplomacy", "crime") when it
    holds such words and none of political violence; else None."""
    if _POLITICAL_ACTORS.search(text) or ruled(text):
        return None
    offered = set(proposed(text))
    if _HARM.search(text):  # someone killed, shot, bombed or taken: only a disaster's words may go with that
        offered.add("harm")
    for kind, words in _NOT_POLITICAL.items():
        # Each kind's texts hold some words of violence without any: a disaster kills and explodes,
        # diplomacy condemns an attack, crime ends in arrests. Any other act keeps the text political
        # ("drug traffickers shot dead a judge" is violence, whoever did it).
        if words.search(text) and not offered - _TOLERATED[kind]:
            return kind
    return None


def speaks_of_violence(text: str) -> bool:
    """True when the text holds a word of political violence: an act the codebook names, or an
    armed or political actor."""
    return bool(_POLITICAL_ACTORS.search(text) or ruled(text) or proposed(text))


def ruled(text: str) -> tuple[str, str] | None:
    """(event type, sub-event type) where the codebook decides from the words alone, else None."""
    for event_type, sub_type, pattern in _RULES:
        if pattern.search(text):
            return event_type, sub_type
    return None


def refined(event_type: str, sub_type: str | None, text: str) -> str | None:
    """The sub-event type the codebook gives within `event_type`, where words decide; else `sub_type`."""
    if event_type == "Protests":
        if _EXCESSIVE.search(text):
            return "Excessive force against protesters"
        return "Protest with intervention" if _INTERVENED.search(text) else "Peaceful protest"
    if event_type == "Explosions/Remote violence" and sub_type not in (
        "Suicide bomb",
        "Chemical weapon",
        "Air/drone strike",
    ):
        if _GRENADE.search(text):
            return "Grenade"
        if _PLANTED.search(text):
            return "Remote explosive/landmine/IED"
    if sub_type in _NEEDS_WORDS and not (_NEEDS_WORDS[sub_type].search(text) or PROPOSED_WORDS[sub_type].search(text)):
        return PLAIN.get(event_type, sub_type)
    return sub_type


def checked(event_type: str, sub_type: str, text: str) -> tuple[str, str, str | None]:
    """A model's (event type, sub-type) after the codebook's rules, and a note when they changed it
    (the order is the module's docstring's)."""
    rule = ruled(text)
    if rule:
        event, sub = rule
    else:
        event, sub = event_type, sub_type
        offered = proposed(text)
        crowd = [s for s in offered if EVENT_TYPE_OF[s] in CROWD]
        specific = [s for s in offered if s not in GENERIC]
        supported = sub in PROPOSED_WORDS and PROPOSED_WORDS[sub].search(text) and not (sub in GENERIC and specific)
        if sub == "Attack" and "Armed clash" in offered:
            supported = False  # an attack on armed men, or one in fighting, is a battle, not violence against civilians
        choice = [s for s in (specific or offered) if s != sub]
        if event_type in CROWD and crowd:
            sub = crowd[0]
        elif choice and not supported:
            sub = next((s for s in choice if EVENT_TYPE_OF[s] == event_type), choice[0])
        event = EVENT_TYPE_OF.get(sub, event_type)
        if not (event in CROWD and crowd):  # the crowd's words have decided already
            sub = refined(event, sub, text) or sub
    if (event, sub) == (event_type, sub_type):
        return event, sub, None
    return (
        event,
        sub,
        f'"{event_type}: {sub_type}" from the model replaced by "{event}: {sub}" (the codebook\'s rule for these words)',
    )


def kept(event_type: str, sub_type: str, text: str) -> tuple[str, str, str | None]:
    """A sub-type the model chose among options these words proposed (`extractor.flow.judge`),
    after the mechanical rules and the refinements within its event type only (the choice was
    already made among what the words allow), and an "Attack" on armed men or their posts made
    the battle the codebook calls it."""
    rule = ruled(text)
    event, sub = rule if rule else (event_type, refined(event_type, sub_type, text) or sub_type)
    if not rule and sub == "Attack" and _ON_ARMED.search(text):
        event, sub = "Battles", "Armed clash"  # the codebook: an attack on armed men is a battle
    if (event, sub) == (event_type, sub_type):
        return event, sub, None
    return (
        event,
        sub,
        f'"{event_type}: {sub_type}" from the model replaced by "{event}: {sub}" (the codebook\'s rule for these words)',
    )
