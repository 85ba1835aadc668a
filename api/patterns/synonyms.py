"""How people talk about these patterns, mapped to the words the guides use.

Each entry is a regular expression over the lower-cased situation and the plain words it adds
to the query. The person's own phrase is kept, so the answer can say which of their words
matched a signal. Entries are about ways of speaking, never about one guide or one sentence.
"""

from __future__ import annotations

# Pronouns and the ways people name the other person, used inside patterns below.
_P = r"(?:him|her|them|he|she|they|my ex|ex|my partner|my boyfriend|my girlfriend|my bf|my gf|my husband|my wife)"
_PS = r"(?:his|her|their|my ex'?s|my partner'?s|my bf'?s|my gf'?s)"

SYNONYMS: tuple[tuple[str, str], ...] = (
    # -- waiting for replies, texting -----------------------------------------------------------
    (r"\bghost(?:ed|ing|s)?\b", "silence no reply waiting quiet"),
    (r"\bleft (?:me )?on (?:read|delivered|seen)\b|\bon read\b", "reply silence waiting"),
    (
        r"\b(?:hasn'?t|hasnt|haven'?t|havent|didn'?t|didnt|doesn'?t|doesnt|won'?t|wont|never) "
        r"(?:text(?:ed)?|message[d]?|repl(?:y|ied)|answer(?:ed)?|respond(?:ed)?|writ(?:e|ten)|call(?:ed)?)"
        r"(?: me)?(?: back)?\b",
        "slow reply answer waiting",
    ),
    (r"\b(?:text|message|call)s? back\b|\bto (?:reply|respond|answer)\b", "reply answer"),
    (r"\btakes? (?:forever|ages|hours|so long) to (?:reply|respond|answer|text)\b", "slow reply waiting"),
    (
        r"\bdouble[- ]text\w*|\btriple[- ]text\w*|\b(?:\w+ )?messages? in a row\b"
        r"|\bspam(?:med|ming)? (?:him|her|them)\b",
        "second third text before they answered",
    ),
    (
        r"\b(?:check|checking|stare at|staring at|glued to) (?:my )?phone\b|\bevery (?:buzz|notification|ping)\b",
        "phone buzz grab",
    ),
    (r"\b(?:can'?t|cant|cannot) (?:focus|concentrate|relax|sleep)\b", "ruin evening mood"),
    (
        r"\bruin(?:s|ed)? my (?:night|day|evening|weekend)\b|\bwhole (?:night|day|evening) (?:is )?(?:gone|ruined)\b",
        "ruin whole evening mood",
    ),
    # -- checking them online ----------------------------------------------------------------------
    (
        r"\b(?:insta(?:gram)?|ig|facebook|fb|tiktok|snap(?:chat)?|twitter|linkedin|socials?|social media)\b",
        "profile social media stories",
    ),
    (
        r"\b(?:lurk\w*|scroll(?:ing)? (?:through )?" + _PS + r" (?:page|profile|feed|posts|photos|pics))",
        "check profile",
    ),
    (r"\bwhat (?:he|she|they) posts?\b|\b(?:his|her|their) (?:posts|photos|pics|page)\b", "profile photo check"),
    (r"\bstories\b|\bviewed (?:my|mine)\b|\bwatched (?:my|mine)\b|\bseen my stor", "stories watch noticed"),
    (
        r"\b(?:active|online) (?:\d+|a few|two|five) ?(?:min|minute|sec|second|hour)\w*|\blast seen\b|\bwas online\b",
        "online minute ago",
    ),
    (
        r"\bwho (?:he|she|they)(?:'s| is| are)? (?:follow(?:ing|s)?|talking to|dating|seeing)\b"
        r"|\bnew (?:gf|bf|girlfriend|boyfriend|partner)\b",
        "following seeing someone new",
    ),
    # -- missing, nostalgia -------------------------------------------------------------------------
    (r"\bmiss(?:ing)? " + _P + r"\b", "miss ex"),
    (r"\bold (?:texts|messages|chats|photos|pics|voice notes)\b", "reread old messages"),
    (
        r"\b(?:only|just) remember (?:the )?good\b|\bgood (?:times|days|parts|stuff|memories)\b|"
        r"\bbad (?:never happened|parts|stuff|times)\b",
        "good days bad remember proof",
    ),
    (
        r"\btreated me (?:like|so) (?:garbage|trash|crap|shit|badly|bad)\b|\b(?:was|is|were) (?:so )?toxic\b|"
        r"\btoxic\b",
        "hurt",
    ),
    (r"\bour song\b|\ba song\b|\bsongs?\b", "song"),
    # -- going back, on and off ---------------------------------------------------------------------
    (r"\bon and off\b|\bon[- ]again,? off[- ]again\b|\bon[- ]off\b", "on-again off-again broke up got back together"),
    (
        r"\b(?:get|got|gotten|getting) back together\b|\bback together\b|\bgo(?:ing|es)? back to " + _P + r"\b|"
        r"\btake (?:him|her|them) back\b|\bkeep going back\b"
        r"|\b(?:go|going|went|gone|get|got|getting) back to each other\b",
        "got back together go back reunion",
    ),
    (
        r"\b(?:\w+ )?(?:breakup|break up|broke up|split) (?:this|last) (?:year|month)\b|\b(?:second|third|fourth|fifth|"
        r"\d+(?:st|nd|rd|th)) (?:breakup|time we broke up)\b"
        r"|\b(?:broken|broke|split) up (?:and got back|again|(?:so )?many times|(?:\w+ )?times)\b",
        "broken up more than once",
    ),
    (r"\bsame (?:fight|fights|argument|arguments|problems|issues)\b", "same arguments"),
    # -- hot and cold -------------------------------------------------------------------------------
    (r"\bmixed signals\b|\bhot and cold\b|\bpush[- ](?:and[- ])?pull\b|\bbreadcrumb\w*", "hot-cold pull away warm"),
    (
        r"\bone (?:day|minute|moment|week|second)\b.{0,60}\b(?:the )?next (?:day|minute|moment|week|second)?"
        r"|\bacts? like i (?:don'?t|do not) exist\b|\bcold shoulder\b",
        "hot-cold pull away warm quiet",
    ),
    (r"\ball over me\b|\blove[- ]bomb\w*|\bsuper (?:sweet|affectionate)\b", "warmer affection"),
    (
        r"\bnothing for (?:days|a week|weeks)\b|\bdisappears?\b|\bvanish\w*|\bgoes? (?:cold|quiet|silent|mia)\b",
        "quiet for days",
    ),
    (r"\bcomes? back\b|\bcame back\b|\breappear\w*|\bpops? back up\b", "come back"),
    (r"\bpulls? away\b|\bpulled away\b|\bdistant\b", "pull away"),
    # -- closure, replaying --------------------------------------------------------------------------
    (
        r"\b(?:tell|told|explain(?:ed)?) (?:me )?why\b|\bwhy (?:he|she|they) (?:left|ended|dumped|broke)\b|"
        r"\bwhat went wrong\b|\bno explanation\b|\bwithout (?:a word|an explanation|saying why)\b|"
        r"\b(?:need|want|have) to know (?:why|what happened)\b|\ban answer\b|\banswers\b",
        "told why closure explain",
    ),
    (r"\bmove on\b|\bmoving on\b|\bget over\b", "move on"),
    (
        r"\b(?:can'?t|cant|cannot|couldn'?t) stop thinking\b|\bkeep thinking\b|\bthink about it all the time\b|"
        r"\bobsess(?:ing|ive\w*|ed (?:over|about))\b|\bruminat\w*",
        "replay loop same scenes",
    ),
    (
        r"\breplay\w*|\bover and over\b|\bgo(?:ing)? over\b|\bin my head\b|\bon a loop\b|\bon repeat\b",
        "replay going over scenes",
    ),
    (r"\bshould have said\b|\bshould'?ve said\b|\bwhat i should\b", "rehearse should have said"),
    (r"\b(?:car|drive|driving|shower|washing up|dishes)\b", "drive wash up"),
    (
        r"\b(?:drafted|wrote|written|typed) (?:\w+ )?(?:message|text|letter)\b|\bnever sent\b|\bunsent\b",
        "drafted question message",
    ),
    (r"\bmy fault\b|\bblame myself\b", "fault"),
    # -- grief -------------------------------------------------------------------------------------------
    (r"\bi (?:was the one who |)(?:left|ended it|broke it off|dumped)\b", "chose to leave"),
    (r"\brelieved\b|\brelief\b", "relief"),
    (
        r"\b(?:feel|felt|feeling) (?:so )?(?:empty|numb|hollow)\b"
        r"|\bcry(?:ing)?\b|\bcried\b|\bheartbroken\b|\bgriev\w*|\bmourn\w*|\bsad\b",
        "heartbreak grieve sad",
    ),
    (r"\bgood riddance\b|\b(?:glad|happy) (?:it'?s|its|that it is) over\b", "friends glad over"),
    # -- boundaries, guilt, people-pleasing --------------------------------------------------------------
    (r"\bsaying no\b|\bsay no\b|\bsaid no\b|\bturn(?:s|ed|ing)? (?:(?:him|her|them|it|people) )?down\b", "no boundary"),
    (
        r"\bhorrible person\b|\bbad person\b|\bfeel (?:so )?bad\b|\bselfish\b|\bmean\b|\bterrible person\b",
        "guilty unkind",
    ),
    (r"\bover[- ]?explain\w*|\bjustify\w*", "explain reasons"),
    (r"\bcave\b|\bcaved\b|\bgive in\b|\bgave in\b|\bback down\b", "give in"),
    (r"\bsorry\b|\bapologi[sz]\w*", "apologise"),
    (
        r"\bkeep the peace\b|\bwalk(?:ing)? on eggshells\b|\bgo along with\b|\bwhatever (?:he|she|they) wants?\b|"
        r"\bpushover\b|\bdoormat\b|\beveryone (?:to be )?(?:ok|okay|happy)\b",
        "keeping peace do not mind pleasing",
    ),
    (r"\bwhat i (?:actually |really )?want\b|\bmy own needs\b", "want"),
    (r"\bannoyed\b|\bupset\b|\bmad at me\b", "annoyed upset"),
    (
        r"\b(?:crosses?|crossed|ignores?|ignored|pushes|pushed past|disrespects?) (?:my )?(?:boundar\w*|limits?)\b|"
        r"\bstill does it\b|\bdoes it anyway\b|\bkeeps? doing it\b|\bkept doing it\b|"
        r"\b(?:told|asked|begged) (?:him|her|them) not to\b|\bdoes (?:the )?(?:exact )?same thing\b|\bdoes it again\b",
        "boundary same thing crossing limit",
    ),
    (r"\b(?:three|3|four|4|five|5|so many|a hundred|100) times\b", "three times"),
    # -- contact, no contact ---------------------------------------------------------------------------
    (
        r"\bblock(?:ed|ing)?\b|\bunblock\w*|\bmute[d]?\b|\bcut (?:him|her|them) off\b|\bcut off\b|\bcut contact\b|"
        r"\bstop talking to\b|\bstop(?:ped)? all contact\b|\bno contact\b|\bnc\b",
        "no contact",
    ),
    (r"\bstill cares?\b|\bcares? about me\b|\bstill love[s]? me\b|\bthinks? about me\b", "still care"),
    (r"\bsquare one\b|\bback to the start\b|\bstart(?:ing)? over\b|\brelapse\w*", "start reset"),
    (
        r"\breach(?:ing)? out\b|\btext (?:him|her|them)\b|\bcall (?:him|her|them)\b|\bmessage (?:him|her|them)\b",
        "contact reach out",
    ),
    (
        r"\bkeeps? (?:texting|messaging|calling|contacting|emailing|dming)\b"
        r"|\bwon'?t stop (?:texting|messaging|calling|contacting)\b",
        "contact message",
    ),
    (
        r"\b(?:new|different|other|fake|burner) (?:numbers?|accounts?|profiles?|phones?)\b",
        "contact message new numbers accounts",
    ),
    (
        r"\bshow(?:s|ed|ing)? up\b|\bturn(?:s|ed|ing)? up\b|\bwaits? outside\b|\bat my (?:work|house|door|gym|job)\b",
        "turn up places",
    ),
    (r"\bleave me alone\b|\btold (?:him|her|them) to stop\b|\basked (?:him|her|them) to stop\b", "asked stop"),
    (
        r"\bpass(?:es|ed|ing)? on messages\b|\b(?:his|her|their) (?:mum|mom|family|friends|sister|brother)\b",
        "friends family pass on messages",
    ),
    # -- friends with an ex --------------------------------------------------------------------------------
    (r"\b(?:stay|be|being|staying|just) friends\b|\bfriends with (?:my|an) ex\b", "friends friendship"),
    (r"\bstill in love\b|\bpretend(?:ing)? (?:i'?m|im|to be) (?:fine|ok|okay)\b|\bhide how i feel\b", "hide feel"),
    (r"\blosing (?:him|her|them)\b|\blose (?:him|her|them)\b", "losing unbearable"),
    # -- children ----------------------------------------------------------------------------------------
    (
        r"\bkids?\b|\bchild\b|\bchildren\b|\bour (?:son|daughter|baby|boy|girl)\b|\bcustody\b|\bco[- ]?parent\w*",
        "children co-parenting",
    ),
    (r"\bpick[- ]?ups?\b|\bdrop[- ]?offs?\b|\bhand[- ]?overs?\b|\bschool run\b|\bweekends? with\b", "pick-up handover"),
    # -- phone checking, jealousy, control --------------------------------------------------------------------
    (
        r"\bgo(?:es)? through my phone\b|\blooks? through my phone\b|\breads? (?:all )?my (?:texts|messages|dms)\b|"
        r"\bchecks? my phone\b|\bsnoop\w*",
        "phone look through message",
    ),
    (r"\bpass(?:word|code)s?\b|\bpin\b", "passwords"),
    (r"\blocation\b|\bfind my\b|\blife360\b|\bwhere i am\b|\bwhere i(?:'m| am) going\b", "location where"),
    (r"\bjealous\w*|\baccuses? me\b|\baccused me\b|\bcheating\b", "jealousy accuse cheating"),
    (r"\bgo(?:ing)? out with (?:my )?friends\b|\bsee(?:ing)? my friends\b|\bmy friends\b", "friends"),
    (
        r"\bpermission\b|\bnot allowed\b|\bisn'?t allowed\b|\bwon'?t let me\b|\bhave to ask\b",
        "ask before rules control",
    ),
    (r"\bmoney\b|\bbank\b|\bcards?\b|\ballowance\b|\bpaycheck\b|\bsalary\b", "money"),
    (
        r"\b(?:don'?t|dont|do not) recogni[sz]e myself\b|\bshell of\b|\bused to be\b|\bnot the same person\b",
        "quieter careful person before",
    ),
    (r"\bcareful\b|\bwalk(?:ing)? on eggshells\b|\bhis moods?\b|\bher moods?\b|\btheir moods?\b", "careful moods"),
    # -- leaving, fear ----------------------------------------------------------------------------------------
    (
        r"\b(?:want|need|trying|try|plan(?:ning)?) to (?:leave|get out|move out|escape)\b|\bwant out\b|\bget out\b|"
        r"\bleaving (?:him|her|them)\b|\bleave (?:him|her|them)\b",
        "leaving leave plan",
    ),
    (
        r"\bwhat (?:he|she|they)(?:'ll| will| would|'d) do\b|\bhow (?:he|she|they)(?:'ll| will| would|'d) react\b|"
        r"\bfinds? out\b",
        "react afraid",
    ),
    (
        r"\btake (?:the|my|our) (?:kids|children|son|daughter|baby)\b|\bnever see (?:the|my|our) (?:kids|children)\b",
        "threatened children afraid",
    ),
    (r"\bhurt (?:himself|herself|themselves)\b|\bkill (?:himself|herself|themselves)\b", "threatened themselves"),
)
