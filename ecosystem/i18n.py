"""Interface strings in every language of the dashboard (English, Lithuanian, Latvian).

Taxonomy labels live in ``data/taxonomy.csv``; this module holds everything else a person reads.
``t(key, lang, **values)`` fills ``{placeholders}``; a missing translation falls back to English.
"""

from __future__ import annotations

__all__ = ["LANGUAGE_NAMES", "STRINGS", "t"]

LANGUAGE_NAMES: dict[str, str] = {"en": "English", "lt": "Lietuvių", "lv": "Latviešu"}

STRINGS: dict[str, dict[str, str]] = {
    # --- validation messages -------------------------------------------------------------
    "v.missing_column": {
        "en": "Column “{column}” is missing. Add a column with this exact header.",
        "lt": "Trūksta stulpelio „{column}“. Pridėkite stulpelį su būtent tokia antrašte.",
        "lv": "Trūkst kolonnas “{column}”. Pievienojiet kolonnu ar tieši šādu virsrakstu.",
    },
    "v.unknown_column": {
        "en": "Column “{column}” is not part of the registry.{hint} Rename or remove it.",
        "lt": "Stulpelis „{column}“ nepriklauso registrui.{hint} Pervadinkite arba pašalinkite jį.",
        "lv": "Kolonna “{column}” nav reģistra daļa.{hint} Pārdēvējiet vai dzēsiet to.",
    },
    "v.required": {
        "en": "A value is required here.",
        "lt": "Čia būtina reikšmė.",
        "lv": "Šeit vērtība ir obligāta.",
    },
    "v.required_for_initiative": {
        "en": "Required for initiatives: give at least one code.",
        "lt": "Iniciatyvoms privaloma: nurodykite bent vieną kodą.",
        "lv": "Iniciatīvām obligāti: norādiet vismaz vienu kodu.",
    },
    "v.unknown_code": {
        "en": "“{bad}” is not a known code. Expected one of: {expected}.{hint}",
        "lt": "„{bad}“ nėra žinomas kodas. Galimi: {expected}.{hint}",
        "lv": "“{bad}” nav zināms kods. Iespējamie: {expected}.{hint}",
    },
    "v.did_you_mean": {
        "en": " Did you mean “{suggestion}”?",
        "lt": " Gal turėjote omenyje „{suggestion}“?",
        "lv": " Vai domājāt “{suggestion}”?",
    },
    "v.id_format": {
        "en": "An id may contain only letters A–Z, digits, “-”, “_”, “.” or “:” (at most 64 characters).",
        "lt": "Id gali sudaryti tik raidės A–Z, skaitmenys, „-“, „_“, „.“ ar „:“ (ne daugiau 64 simbolių).",
        "lv": "Id drīkst saturēt tikai burtus A–Z, ciparus, “-”, “_”, “.” vai “:” (ne vairāk kā 64 rakstzīmes).",
    },
    "v.duplicate_id": {
        "en": "The id “{value}” is used more than once (rows {rows}). Every row needs its own id.",
        "lt": "Id „{value}“ naudojamas kelis kartus (eilutės {rows}). Kiekviena eilutė turi turėti savo id.",
        "lv": "Id “{value}” izmantots vairākkārt (rindas {rows}). Katrai rindai vajag savu id.",
    },
    "v.too_long": {
        "en": "Too long: {length} characters, at most {limit} allowed.",
        "lt": "Per ilga: {length} simbolių, leidžiama ne daugiau {limit}.",
        "lv": "Pārāk garš: {length} rakstzīmes, atļauts ne vairāk kā {limit}.",
    },
    "v.control_chars": {
        "en": "Contains invisible control characters; retype the text or paste it as plain text.",
        "lt": "Yra nematomų valdymo simbolių; perrašykite tekstą arba įklijuokite jį kaip paprastą tekstą.",
        "lv": "Satur neredzamas vadības rakstzīmes; pārrakstiet tekstu vai ielīmējiet to kā vienkāršu tekstu.",
    },
    "v.not_number": {
        "en": "Expected a decimal number in degrees, e.g. 55.2522.",
        "lt": "Tikėtasi dešimtainio skaičiaus laipsniais, pvz., 55.2522.",
        "lv": "Gaidīts decimālskaitlis grādos, piem., 55.2522.",
    },
    "v.latitude_range": {
        "en": "A latitude must lie between -90 and 90.",
        "lt": "Platuma turi būti tarp -90 ir 90.",
        "lv": "Platumam jābūt starp -90 un 90.",
    },
    "v.longitude_range": {
        "en": "A longitude must lie between -180 and 180.",
        "lt": "Ilguma turi būti tarp -180 ir 180.",
        "lv": "Garumam jābūt starp -180 un 180.",
    },
    "v.coordinates_pair": {
        "en": "Give both latitude and longitude, or neither.",
        "lt": "Nurodykite ir platumą, ir ilgumą, arba nė vienos.",
        "lv": "Norādiet gan platumu, gan garumu, vai nevienu.",
    },
    "v.precision_needed": {
        "en": "Say how precise the coordinates are: {expected}.",
        "lt": "Nurodykite koordinačių tikslumą: {expected}.",
        "lv": "Norādiet koordinātu precizitāti: {expected}.",
    },
    "v.year": {
        "en": "Expected a year as a whole number between {low} and {high}, e.g. 2019.",
        "lt": "Tikėtasi metų sveikuoju skaičiumi tarp {low} ir {high}, pvz., 2019.",
        "lv": "Gaidīts gads kā vesels skaitlis no {low} līdz {high}, piem., 2019.",
    },
    "v.end_before_start": {
        "en": "The end year {value} is before the start year {start}.",
        "lt": "Pabaigos metai {value} yra ankstesni nei pradžios metai {start}.",
        "lv": "Beigu gads {value} ir pirms sākuma gada {start}.",
    },
    "v.url": {
        "en": "Only web addresses starting with http:// or https:// are allowed.",
        "lt": "Leidžiami tik interneto adresai, prasidedantys http:// arba https://.",
        "lv": "Atļautas tikai tīmekļa adreses, kas sākas ar http:// vai https://.",
    },
    "v.date": {
        "en": "Expected a date as YYYY-MM-DD, e.g. 2026-11-26.",
        "lt": "Tikėtasi datos formatu MMMM-MM-DD, pvz., 2026-11-26.",
        "lv": "Gaidīts datums formātā GGGG-MM-DD, piem., 2026-11-26.",
    },
    "v.region_format": {
        "en": "A region code is a NUTS-3 code: two letters and three letters or digits, e.g. LT025.",
        "lt": "Regiono kodas yra NUTS-3 kodas: dvi raidės ir trys raidės ar skaitmenys, pvz., LT025.",
        "lv": "Reģiona kods ir NUTS-3 kods: divi burti un trīs burti vai cipari, piem., LT025.",
    },
    "v.region_country": {
        "en": "Region {value} does not belong to country {country}.",
        "lt": "Regionas {value} nepriklauso šaliai {country}.",
        "lv": "Reģions {value} nepieder valstij {country}.",
    },
    "v.region_unknown": {
        "en": "Region {value} is not a NUTS-3 region of the 2024 edition.",
        "lt": "Regionas {value} nėra 2024 m. NUTS-3 regionas.",
        "lv": "Reģions {value} nav 2024. gada NUTS-3 reģions.",
    },
    "v.region_other_edition": {
        "en": "{value} is a NUTS {edition} code ({name}); the 2024 code is {replacement}. The row is kept; please update the code.",
        "lt": "{value} yra NUTS {edition} kodas ({name}); 2024 m. kodas yra {replacement}. Eilutė išsaugota; atnaujinkite kodą.",
        "lv": "{value} ir NUTS {edition} kods ({name}); 2024. gada kods ir {replacement}. Rinda saglabāta; lūdzu, atjauniniet kodu.",
    },
    "v.region_mismatch": {
        "en": "The coordinates lie in region {found}, not in {value}. Check the coordinates or the region code.",
        "lt": "Koordinatės yra regione {found}, o ne {value}. Patikrinkite koordinates arba regiono kodą.",
        "lv": "Koordinātas atrodas reģionā {found}, nevis {value}. Pārbaudiet koordinātas vai reģiona kodu.",
    },
    "v.country_needed": {
        "en": "Give the country (ISO code such as LT) when the row has coordinates or is an initiative.",
        "lt": "Nurodykite šalį (ISO kodą, pvz., LT), kai eilutė turi koordinates arba yra iniciatyva.",
        "lv": "Norādiet valsti (ISO kodu, piem., LV), ja rindai ir koordinātas vai tā ir iniciatīva.",
    },
    "v.unknown_programme": {
        "en": "“{bad}” is not a programme id of programmes.csv. Expected one of: {expected}.{hint}",
        "lt": "„{bad}“ nėra programos id iš programmes.csv. Galimi: {expected}.{hint}",
        "lv": "“{bad}” nav programmas id no programmes.csv. Iespējamie: {expected}.{hint}",
    },
    "v.file_unreadable": {
        "en": "The file cannot be read: {reason}",
        "lt": "Failo nepavyksta perskaityti: {reason}",
        "lv": "Failu nevar nolasīt: {reason}",
    },
    # --- sign-in and permissions -------------------------------------------------------------
    "auth.login_failed": {
        "en": "Unknown username or wrong password.",
        "lt": "Nežinomas naudotojo vardas arba neteisingas slaptažodis.",
        "lv": "Nezināms lietotājvārds vai nepareiza parole.",
    },
    "auth.locked": {
        "en": "Too many failed sign-in attempts. Try again in {minutes} min.",
        "lt": "Per daug nesėkmingų bandymų prisijungti. Bandykite dar kartą po {minutes} min.",
        "lv": "Pārāk daudz neveiksmīgu pieteikšanās mēģinājumu. Mēģiniet vēlreiz pēc {minutes} min.",
    },
    "auth.password_too_short": {
        "en": "A password needs at least {minimum} characters. A phrase of several words is easy to remember and hard to guess.",
        "lt": "Slaptažodį turi sudaryti ne mažiau kaip {minimum} simbolių. Kelių žodžių frazę lengva įsiminti ir sunku atspėti.",
        "lv": "Parolē jābūt vismaz {minimum} rakstzīmēm. Vairāku vārdu frāzi ir viegli atcerēties un grūti uzminēt.",
    },
    "auth.partner_missing": {
        "en": "The partner is missing. Write “{partner}” here: you can upload only your own organisation's rows.",
        "lt": "Nenurodytas partneris. Įrašykite „{partner}“: galite įkelti tik savo organizacijos eilutes.",
        "lv": "Nav norādīts partneris. Ierakstiet “{partner}”: jūs varat augšupielādēt tikai savas organizācijas rindas.",
    },
    "auth.row_of_other_partner": {
        "en": "This row belongs to “{owner}”. Only that partner or an administrator can change it; remove the row from your file.",
        "lt": "Ši eilutė priklauso partneriui „{owner}“. Ją keisti gali tik šis partneris arba administratorius; pašalinkite eilutę iš savo failo.",
        "lv": "Šī rinda pieder partnerim “{owner}”. To var mainīt tikai šis partneris vai administrators; izņemiet rindu no sava faila.",
    },
    "auth.id_of_other_partner": {
        "en": "The id “{value}” already belongs to a row of “{owner}”. Only that partner or an administrator can change that row; give your initiative a new id.",
        "lt": "Id „{value}“ jau priklauso partnerio „{owner}“ eilutei. Tą eilutę keisti gali tik šis partneris arba administratorius; savo iniciatyvai suteikite naują id.",
        "lv": "Id “{value}” jau pieder partnera “{owner}” rindai. Šo rindu var mainīt tikai šis partneris vai administrators; piešķiriet savai iniciatīvai jaunu id.",
    },
    "auth.username": {"en": "Username", "lt": "Naudotojo vardas", "lv": "Lietotājvārds"},
    "auth.password": {"en": "Password", "lt": "Slaptažodis", "lv": "Parole"},
    "auth.sign_in": {"en": "Sign in", "lt": "Prisijungti", "lv": "Pieteikties"},
    "auth.sign_out": {"en": "Sign out", "lt": "Atsijungti", "lv": "Izrakstīties"},
    "auth.signed_in_as": {"en": "Signed in as {name}", "lt": "Prisijungta kaip {name}", "lv": "Lietotājs: {name}"},
    "auth.admin_only": {"en": "Only an administrator can do this.", "lt": "Tai gali atlikti tik administratorius.", "lv": "To var izdarīt tikai administrators."},
    "auth.needs_rehash": {
        "en": "The password of {name} is stored with older settings. An administrator should replace its hash with one made by `python -m ecosystem hash-password`.",
        "lt": "Naudotojo {name} slaptažodis saugomas pagal senesnius nustatymus. Administratorius turėtų pakeisti jo maišos reikšmę nauja, sukurta komanda `python -m ecosystem hash-password`.",
        "lv": "Lietotāja {name} parole tiek glabāta ar novecojušiem iestatījumiem. Administratoram tās jaucējvērtība jāaizstāj ar jaunu, kas izveidota ar `python -m ecosystem hash-password`.",
    },
    # --- interface ---------------------------------------------------------------------------
    "app.title": {"en": "Baltic Social Ecosystem Map", "lt": "Baltijos socialinės ekosistemos žemėlapis", "lv": "Baltijas sociālās ekosistēmas karte"},
    "app.language": {"en": "Language", "lt": "Kalba", "lv": "Valoda"},
    "app.filters": {"en": "Filters", "lt": "Filtrai", "lv": "Filtri"},
    "app.reset": {"en": "Clear all filters", "lt": "Išvalyti filtrus", "lv": "Notīrīt filtrus"},
    "app.permalink": {"en": "Link to this view", "lt": "Nuoroda į šį vaizdą", "lv": "Saite uz šo skatu"},
    "app.permalink_help": {"en": "The address bar holds every filter: copy it to share exactly this view.", "lt": "Adreso juostoje išsaugoti visi filtrai: nukopijuokite ją ir pasidalykite būtent šiuo vaizdu.", "lv": "Adreses joslā ir visi filtri: nokopējiet to, lai kopīgotu tieši šo skatu."},
    "app.rows_selected": {"en": "{count} of {total} registry rows match the filters.", "lt": "Filtrus atitinka {count} iš {total} registro eilučių.", "lv": "Filtriem atbilst {count} no {total} reģistra rindām."},
    "app.registry_error": {"en": "The registry file {file} has problems, so it was not loaded. {served}", "lt": "Registro faile {file} yra klaidų, todėl jis neįkeltas. {served}", "lv": "Reģistra failā {file} ir kļūdas, tāpēc tas netika ielādēts. {served}"},
    "app.serving_previous": {"en": "The last good version (v{version}) is shown until the file is fixed.", "lt": "Kol failas bus pataisytas, rodoma paskutinė gera versija (v{version}).", "lv": "Kamēr fails tiks izlabots, tiek rādīta pēdējā labā versija (v{version})."},
    "app.nothing_to_serve": {"en": "No earlier good version exists, so the registry is empty until the file is fixed.", "lt": "Ankstesnės geros versijos nėra, todėl registras tuščias, kol failas bus pataisytas.", "lv": "Agrākas labas versijas nav, tāpēc reģistrs ir tukšs, kamēr fails tiks izlabots."},
    "app.problems_title": {"en": "Problems found (row as in the spreadsheet, header = row 1)", "lt": "Rastos problemos (eilutė kaip skaičiuoklėje, antraštė = 1 eilutė)", "lv": "Atrastās problēmas (rinda kā izklājlapā, virsraksts = 1. rinda)"},
    "app.no_regions": {"en": "Region boundaries are not available, so the map shows points only and regions are listed by code. To draw regions, run `python -m ecosystem reference download` (needs internet), set ECOSYSTEM_REFERENCE_DIR to a folder with the NUTS GeoJSON files, or put a NUTS-3 GeoJSON at data/regions.geojson.", "lt": "Regionų ribų nėra, todėl žemėlapyje rodomi tik taškai, o regionai nurodomi kodais. Kad būtų rodomi regionai, paleiskite `python -m ecosystem reference download` (reikia interneto), nustatykite ECOSYSTEM_REFERENCE_DIR į aplanką su NUTS GeoJSON failais arba įdėkite NUTS-3 GeoJSON failą į data/regions.geojson.", "lv": "Reģionu robežas nav pieejamas, tāpēc kartē redzami tikai punkti, bet reģioni norādīti ar kodiem. Lai zīmētu reģionus, palaidiet `python -m ecosystem reference download` (vajag internetu), iestatiet ECOSYSTEM_REFERENCE_DIR uz mapi ar NUTS GeoJSON failiem vai ievietojiet NUTS-3 GeoJSON failu data/regions.geojson."},
    "app.regions_error": {"en": "The region boundaries in {file} could not be used ({reason}); the map shows points only.", "lt": "Regionų ribų faile {file} nepavyko panaudoti ({reason}); žemėlapyje rodomi tik taškai.", "lv": "Reģionu robežas failā {file} nevarēja izmantot ({reason}); kartē redzami tikai punkti."},
    "app.no_tiles": {"en": "The base map tiles ({host}) cannot be reached from here, so the map is drawn without a background map.", "lt": "Pagrindo žemėlapio plytelių ({host}) pasiekti nepavyksta, todėl žemėlapis rodomas be fono.", "lv": "Pamatkartes flīzes ({host}) nav sasniedzamas, tāpēc karte tiek zīmēta bez fona kartes."},
    "app.assets_missing": {"en": "Offline map assets are switched on (ECOSYSTEM_MAP_ASSETS=local) but not installed; run `python -m ecosystem assets install`. Loading the map from public CDNs instead.", "lt": "Įjungti vietiniai žemėlapio failai (ECOSYSTEM_MAP_ASSETS=local), bet jie neįdiegti; paleiskite `python -m ecosystem assets install`. Žemėlapis įkeliamas iš viešųjų CDN.", "lv": "Ieslēgti lokālie kartes faili (ECOSYSTEM_MAP_ASSETS=local), bet tie nav instalēti; palaidiet `python -m ecosystem assets install`. Karte tiek ielādēta no publiskajiem CDN."},
    "app.registry_version": {"en": "Registry version {version}, last updated {date}", "lt": "Registro versija {version}, atnaujinta {date}", "lv": "Reģistra versija {version}, atjaunināta {date}"},
    "app.source_footnote": {"en": "Source: Baltic Social Ecosystem registry, version {version} ({date}).", "lt": "Šaltinis: Baltijos socialinės ekosistemos registras, versija {version} ({date}).", "lv": "Avots: Baltijas sociālās ekosistēmas reģistrs, versija {version} ({date})."},
    "page.overview": {"en": "Overview", "lt": "Apžvalga", "lv": "Pārskats"},
    "page.map": {"en": "Map", "lt": "Žemėlapis", "lv": "Karte"},
    "page.coverage": {"en": "Coverage", "lt": "Aprėptis", "lv": "Pārklājums"},
    "page.registry": {"en": "Registry", "lt": "Registras", "lv": "Reģistrs"},
    "page.about": {"en": "About", "lt": "Apie", "lv": "Par"},
    "overview.intro": {"en": "Which social services and social start-ups exist around the Baltic Sea, for whom, and where are the gaps? Every figure below follows the filters in the sidebar.", "lt": "Kokios socialinės paslaugos ir socialiniai startuoliai veikia Baltijos jūros regione, kam jie skirti ir kur trūksta paslaugų? Visi skaičiai atitinka šoninės juostos filtrus.", "lv": "Kādi sociālie pakalpojumi un sociālie jaunuzņēmumi darbojas Baltijas jūras reģionā, kam tie paredzēti un kur ir robi? Visi skaitļi atbilst sānjoslas filtriem."},
    "overview.initiatives": {"en": "Initiatives", "lt": "Iniciatyvos", "lv": "Iniciatīvas"},
    "overview.organisations": {"en": "Organisations", "lt": "Organizacijos", "lv": "Organizācijas"},
    "overview.countries": {"en": "Countries", "lt": "Šalys", "lv": "Valstis"},
    "overview.regions": {"en": "Regions covered", "lt": "Aprėpti regionai", "lv": "Aptvertie reģioni"},
    "overview.targets": {"en": "Target groups served", "lt": "Aptarnaujamos tikslinės grupės", "lv": "Apkalpotās mērķgrupas"},
    "overview.targets_of": {"en": "of {total}", "lt": "iš {total}", "lv": "no {total}"},
    "overview.gaps": {"en": "Not served by any initiative under these filters", "lt": "Pagal šiuos filtrus jokia iniciatyva neaptarnauja", "lv": "Ar šiem filtriem neviena iniciatīva neapkalpo"},
    "overview.go_map": {"en": "Open the map", "lt": "Atverti žemėlapį", "lv": "Atvērt karti"},
    "overview.go_coverage": {"en": "See coverage charts", "lt": "Žiūrėti aprėpties diagramas", "lv": "Skatīt pārklājuma diagrammas"},
    "overview.go_registry": {"en": "Browse the registry", "lt": "Naršyti registrą", "lv": "Pārlūkot reģistru"},
    "map.layer_initiatives": {"en": "Initiatives (by service type)", "lt": "Iniciatyvos (pagal paslaugos tipą)", "lv": "Iniciatīvas (pēc pakalpojuma veida)"},
    "map.layer_organisations": {"en": "Support organisations", "lt": "Paramos organizacijos", "lv": "Atbalsta organizācijas"},
    "map.layer_coverage": {"en": "Coverage by region", "lt": "Aprėptis pagal regionus", "lv": "Pārklājums pa reģioniem"},
    "map.layer_legend": {"en": "Legend", "lt": "Legenda", "lv": "Leģenda"},
    "map.layer_tiles": {"en": "Base map", "lt": "Pagrindo žemėlapis", "lv": "Pamatkarte"},
    "map.tiles_attribution": {"en": "Base map tiles as configured by the deployment", "lt": "Pagrindo žemėlapio plytelės pagal diegimo nustatymus", "lv": "Pamatkartes flīzes pēc izvietošanas iestatījumiem"},
    "map.initiatives_count": {"en": "{count} initiative(s)", "lt": "iniciatyvų: {count}", "lv": "iniciatīvu skaits: {count}"},
    "map.legend_services": {"en": "Initiatives by service type", "lt": "Iniciatyvos pagal paslaugos tipą", "lv": "Iniciatīvas pēc pakalpojuma veida"},
    "map.legend_organisations": {"en": "Organisations", "lt": "Organizacijos", "lv": "Organizācijas"},
    "map.legend_coverage": {"en": "Initiatives per region", "lt": "Iniciatyvų skaičius regione", "lv": "Iniciatīvu skaits reģionā"},
    "map.legend_none": {"en": "none yet", "lt": "dar nėra", "lv": "vēl nav"},
    "map.show": {"en": "Layers", "lt": "Sluoksniai", "lv": "Slāņi"},
    "map.cluster": {"en": "Cluster nearby markers", "lt": "Grupuoti artimus žymeklius", "lv": "Grupēt tuvus marķierus"},
    "map.organisations": {"en": "Support organisations", "lt": "Paramos organizacijos", "lv": "Atbalsta organizācijas"},
    "map.choropleth": {"en": "Coverage by region", "lt": "Aprėptis pagal regionus", "lv": "Pārklājums pa reģioniem"},
    "map.detail_title": {"en": "Selected on the map", "lt": "Pasirinkta žemėlapyje", "lv": "Izvēlēts kartē"},
    "map.detail_hint": {"en": "Click a marker to see its details here.", "lt": "Spustelėkite žymeklį, kad čia pamatytumėte informaciją.", "lv": "Noklikšķiniet uz marķiera, lai šeit redzētu informāciju."},
    "map.not_located": {"en": "{count} matching row(s) have no coordinates and are not on the map; they are in the Registry table.", "lt": "{count} atitinkančios eilutės neturi koordinačių ir nerodomos žemėlapyje; jos yra registro lentelėje.", "lv": "{count} atbilstošajām rindām nav koordinātu, un tās nav kartē; tās ir reģistra tabulā."},
    "map.location_precision_note": {"en": "Location: {precision}", "lt": "Vieta: {precision}", "lv": "Atrašanās vieta: {precision}"},
    "coverage.intro": {"en": "An initiative with several service types or target groups appears under each of them; totals count it once.", "lt": "Iniciatyva, turinti kelis paslaugų tipus ar tikslines grupes, rodoma prie kiekvieno iš jų; sumose ji skaičiuojama vieną kartą.", "lv": "Iniciatīva ar vairākiem pakalpojumu veidiem vai mērķgrupām parādās pie katra no tiem; kopsummās tā tiek skaitīta vienreiz."},
    "coverage.by_country": {"en": "Per country", "lt": "Pagal šalis", "lv": "Pa valstīm"},
    "coverage.by_region": {"en": "Per region", "lt": "Pagal regionus", "lv": "Pa reģioniem"},
    "coverage.gap_regions": {"en": "Regions with no initiative under these filters", "lt": "Regionai be iniciatyvų pagal šiuos filtrus", "lv": "Reģioni bez iniciatīvām ar šiem filtriem"},
    "coverage.gap_regions_none": {"en": "Every region of the selected countries has at least one initiative.", "lt": "Kiekviename pasirinktų šalių regione yra bent viena iniciatyva.", "lv": "Katrā izvēlēto valstu reģionā ir vismaz viena iniciatīva."},
    "coverage.gap_regions_unknown": {"en": "The list of regions with no initiative needs the region boundaries (see the notice above).", "lt": "Regionų be iniciatyvų sąrašui reikia regionų ribų (žr. pranešimą viršuje).", "lv": "Reģionu bez iniciatīvām sarakstam vajag reģionu robežas (skat. paziņojumu augšā)."},
    "registry.search_hint": {"en": "Sort by clicking a column header; search with the magnifier above the table or the text filter in the sidebar.", "lt": "Rikiuokite spustelėdami stulpelio antraštę; ieškokite lentelės paieška arba šoninės juostos teksto filtru.", "lv": "Kārtojiet, noklikšķinot uz kolonnas virsraksta; meklējiet ar tabulas meklēšanu vai sānjoslas teksta filtru."},
    "registry.download_csv": {"en": "Download these rows (CSV)", "lt": "Atsisiųsti šias eilutes (CSV)", "lv": "Lejupielādēt šīs rindas (CSV)"},
    "registry.download_geojson": {"en": "Download these rows (GeoJSON)", "lt": "Atsisiųsti šias eilutes (GeoJSON)", "lv": "Lejupielādēt šīs rindas (GeoJSON)"},
    "registry.warnings": {"en": "Notes on the registry data", "lt": "Pastabos apie registro duomenis", "lv": "Piezīmes par reģistra datiem"},
    "about.title": {"en": "About this map", "lt": "Apie šį žemėlapį", "lv": "Par šo karti"},
    "about.body": {"en": "This dashboard maps social initiatives (social start-ups, micro-projects, community services) and the organisations that support them around the Baltic Sea. The seed registry is built only from the facts in the articles listed under Sources; every row cites its source, and partner organisations keep their own rows up to date.", "lt": "Šis skydelis žymi socialines iniciatyvas (socialinius startuolius, mikroprojektus, bendruomenių paslaugas) ir jas remiančias organizacijas Baltijos jūros regione. Pradinis registras sudarytas tik iš faktų, pateiktų šaltinių sąraše nurodytuose straipsniuose; kiekviena eilutė nurodo šaltinį, o partnerės organizacijos atnaujina savo eilutes.", "lv": "Šis panelis kartē sociālās iniciatīvas (sociālos jaunuzņēmumus, mikroprojektus, kopienu pakalpojumus) un tās atbalstošās organizācijas Baltijas jūras reģionā. Sākotnējais reģistrs veidots tikai no faktiem avotu sarakstā minētajos rakstos; katra rinda norāda avotu, un partnerorganizācijas pašas atjaunina savas rindas."},
    "about.counting": {"en": "How coverage is counted", "lt": "Kaip skaičiuojama aprėptis", "lv": "Kā tiek skaitīts pārklājums"},
    "about.counting_body": {"en": "Only initiatives count as coverage; support organisations, public authorities and networks are shown and counted apart. An initiative serving two target groups appears under both, but every total counts it once. Counts by region use the region code of the row (NUTS-3, 2024 edition); where a row has coordinates but no code, the code is taken from the region that contains the point. A region with no initiative under the current filters is a gap.", "lt": "Į aprėptį įskaičiuojamos tik iniciatyvos; paramos organizacijos, viešosios institucijos ir tinklai rodomi ir skaičiuojami atskirai. Iniciatyva, aptarnaujanti dvi tikslines grupes, rodoma prie abiejų, tačiau sumose skaičiuojama vieną kartą. Skaičiai pagal regionus remiasi eilutės regiono kodu (NUTS-3, 2024 m. redakcija); jei eilutė turi koordinates, bet neturi kodo, kodas paimamas iš regiono, kuriame yra taškas. Regionas be iniciatyvų pagal dabartinius filtrus yra spraga.", "lv": "Pārklājumā tiek skaitītas tikai iniciatīvas; atbalsta organizācijas, publiskās iestādes un tīkli tiek rādīti un skaitīti atsevišķi. Iniciatīva, kas apkalpo divas mērķgrupas, parādās pie abām, bet katrā kopsummā tiek skaitīta vienreiz. Skaitļi pa reģioniem izmanto rindas reģiona kodu (NUTS-3, 2024. gada redakcija); ja rindai ir koordinātas, bet nav koda, kods tiek ņemts no reģiona, kurā atrodas punkts. Reģions bez iniciatīvām ar pašreizējiem filtriem ir robs."},
    "about.sources": {"en": "Sources", "lt": "Šaltiniai", "lv": "Avoti"},
    "about.programmes": {"en": "Programmes", "lt": "Programos", "lv": "Programmas"},
    "about.taxonomy": {"en": "Taxonomy", "lt": "Klasifikatorius", "lv": "Klasifikators"},
    "about.definitions_note": {"en": "Definitions are given in English.", "lt": "Apibrėžtys pateikiamos anglų kalba.", "lv": "Definīcijas sniegtas angļu valodā."},
    "about.boundaries": {"en": "Region boundaries: Eurostat GISCO, NUTS 2024. © EuroGeographics for the administrative boundaries.", "lt": "Regionų ribos: Eurostat GISCO, NUTS 2024. © EuroGeographics už administracines ribas.", "lv": "Reģionu robežas: Eurostat GISCO, NUTS 2024. © EuroGeographics par administratīvajām robežām."},
    "about.code": {"en": "Code", "lt": "Kodas", "lv": "Kods"},
    "about.label": {"en": "Label", "lt": "Pavadinimas", "lv": "Nosaukums"},
    "about.definition": {"en": "Definition", "lt": "Apibrėžtis", "lv": "Definīcija"},
    "about.rows_citing": {"en": "{count} registry row(s) cite this article.", "lt": "Šį straipsnį cituoja registro eilučių: {count}.", "lv": "Šo rakstu citē reģistra rindu skaits: {count}."},
    "filter.countries": {"en": "Country", "lt": "Šalis", "lv": "Valsts"},
    "filter.regions": {"en": "Region", "lt": "Regionas", "lv": "Reģions"},
    "filter.services": {"en": "Service type", "lt": "Paslaugos tipas", "lv": "Pakalpojuma veids"},
    "filter.targets": {"en": "Target group", "lt": "Tikslinė grupė", "lv": "Mērķgrupa"},
    "filter.programmes": {"en": "Programme", "lt": "Programa", "lv": "Programma"},
    "filter.actor_types": {"en": "Actor type", "lt": "Dalyvio tipas", "lv": "Dalībnieka veids"},
    "filter.statuses": {"en": "Status", "lt": "Būsena", "lv": "Statuss"},
    "filter.years": {"en": "Start year", "lt": "Pradžios metai", "lv": "Sākuma gads"},
    "filter.years_help": {"en": "Rows without a start year are hidden while a year range is set.", "lt": "Kai nustatytas metų intervalas, eilutės be pradžios metų paslepiamos.", "lv": "Kamēr iestatīts gadu diapazons, rindas bez sākuma gada tiek paslēptas."},
    "filter.text": {"en": "Search", "lt": "Paieška", "lv": "Meklēt"},
    "filter.text_help": {"en": "Words in the name, place, partner or description (accents optional).", "lt": "Žodžiai pavadinime, vietovėje, partnerio pavadinime ar aprašyme (diakritikai nebūtini).", "lv": "Vārdi nosaukumā, vietā, partnera nosaukumā vai aprakstā (diakritiskās zīmes nav obligātas)."},
    "filter.all": {"en": "All", "lt": "Visi", "lv": "Visi"},
    "filter.none": {"en": "No filters: the whole registry", "lt": "Be filtrų: visas registras", "lv": "Bez filtriem: viss reģistrs"},
    "column.id": {"en": "Id", "lt": "Id", "lv": "Id"},
    "column.name": {"en": "Name", "lt": "Pavadinimas", "lv": "Nosaukums"},
    "column.actor_type": {"en": "Type", "lt": "Tipas", "lv": "Veids"},
    "column.country": {"en": "Country", "lt": "Šalis", "lv": "Valsts"},
    "column.region_code": {"en": "Region", "lt": "Regionas", "lv": "Reģions"},
    "column.municipality": {"en": "Municipality", "lt": "Savivaldybė", "lv": "Pašvaldība"},
    "column.latitude": {"en": "Latitude", "lt": "Platuma", "lv": "Platums"},
    "column.longitude": {"en": "Longitude", "lt": "Ilguma", "lv": "Garums"},
    "column.location_precision": {"en": "Location precision", "lt": "Vietos tikslumas", "lv": "Atrašanās vietas precizitāte"},
    "column.service_types": {"en": "Services", "lt": "Paslaugos", "lv": "Pakalpojumi"},
    "column.target_groups": {"en": "Target groups", "lt": "Tikslinės grupės", "lv": "Mērķgrupas"},
    "column.programmes": {"en": "Programmes", "lt": "Programos", "lv": "Programmas"},
    "column.status": {"en": "Status", "lt": "Būsena", "lv": "Statuss"},
    "column.start_year": {"en": "Start", "lt": "Pradžia", "lv": "Sākums"},
    "column.end_year": {"en": "End", "lt": "Pabaiga", "lv": "Beigas"},
    "column.partner": {"en": "Maintained by", "lt": "Tvarko", "lv": "Uztur"},
    "column.website": {"en": "Website", "lt": "Svetainė", "lv": "Tīmekļa vietne"},
    "column.description": {"en": "Description", "lt": "Aprašymas", "lv": "Apraksts"},
    "column.source": {"en": "Source", "lt": "Šaltinis", "lv": "Avots"},
    "column.last_updated": {"en": "Updated", "lt": "Atnaujinta", "lv": "Atjaunināts"},
    "column.row": {"en": "Row", "lt": "Eilutė", "lv": "Rinda"},
    "column.column": {"en": "Column", "lt": "Stulpelis", "lv": "Kolonna"},
    "column.value": {"en": "Value", "lt": "Reikšmė", "lv": "Vērtība"},
    "column.severity": {"en": "Severity", "lt": "Svarba", "lv": "Nozīmīgums"},
    "column.message": {"en": "What to do", "lt": "Ką daryti", "lv": "Kas jādara"},
    # (end of interface strings)
    # --- charts ------------------------------------------------------------------------------
    "chart.empty": {
        "en": "No initiatives match the current filters.",
        "lt": "Pagal pasirinktus filtrus iniciatyvų nėra.",
        "lv": "Izvēlētajiem filtriem neatbilst neviena iniciatīva.",
    },
    "chart.initiatives": {
        "en": "Initiatives",
        "lt": "Iniciatyvos",
        "lv": "Iniciatīvas",
    },
    "chart.service_type": {
        "en": "Service type",
        "lt": "Paslaugos tipas",
        "lv": "Pakalpojuma veids",
    },
    "chart.target_group": {
        "en": "Target group",
        "lt": "Tikslinė grupė",
        "lv": "Mērķa grupa",
    },
    "chart.area.country": {
        "en": "Country",
        "lt": "Šalis",
        "lv": "Valsts",
    },
    "chart.area.region": {
        "en": "Region",
        "lt": "Regionas",
        "lv": "Reģions",
    },
    "chart.no_region": {
        "en": "No region",
        "lt": "Be regiono",
        "lv": "Bez reģiona",
    },
    "chart.programme": {
        "en": "Programme",
        "lt": "Programa",
        "lv": "Programma",
    },
    "chart.no_programme": {
        "en": "No programme",
        "lt": "Be programos",
        "lv": "Bez programmas",
    },
    "chart.start_year": {
        "en": "Start year",
        "lt": "Pradžios metai",
        "lv": "Sākuma gads",
    },
    "chart.gaps_note": {
        "en": "White cells (0) are gaps: no initiative there yet.",
        "lt": "Balti langeliai (0) – spragos: čia dar nėra nė vienos iniciatyvos.",
        "lv": "Baltās šūnas (0) ir robi: šeit vēl nav nevienas iniciatīvas.",
    },
    "chart.heatmap.title": {
        "en": "Initiatives by service type and target group",
        "lt": "Iniciatyvos pagal paslaugos tipą ir tikslinę grupę",
        "lv": "Iniciatīvas pēc pakalpojuma veida un mērķa grupas",
    },
    "chart.area_services.title.country": {
        "en": "Initiatives by country and service type",
        "lt": "Iniciatyvos pagal šalį ir paslaugos tipą",
        "lv": "Iniciatīvas pēc valsts un pakalpojuma veida",
    },
    "chart.area_services.title.region": {
        "en": "Initiatives by region and service type",
        "lt": "Iniciatyvos pagal regioną ir paslaugos tipą",
        "lv": "Iniciatīvas pēc reģiona un pakalpojuma veida",
    },
    "chart.area_services.note": {
        "en": "The number at each bar counts every initiative once; an initiative with several service types fills several segments, so a bar can be longer than its number.",
        "lt": "Skaičius prie juostos kiekvieną iniciatyvą skaičiuoja vieną kartą; kelių tipų paslaugas teikianti iniciatyva užima kelis segmentus, todėl juosta gali būti ilgesnė už skaičių.",
        "lv": "Skaitlis pie joslas katru iniciatīvu ieskaita vienreiz; iniciatīva ar vairākiem pakalpojumu veidiem aizņem vairākus segmentus, tāpēc josla var būt garāka par skaitli.",
    },
    "chart.area_targets.title.country": {
        "en": "Target groups served, by country",
        "lt": "Aptarnaujamos tikslinės grupės pagal šalį",
        "lv": "Apkalpotās mērķa grupas pa valstīm",
    },
    "chart.area_targets.title.region": {
        "en": "Target groups served, by region",
        "lt": "Aptarnaujamos tikslinės grupės pagal regioną",
        "lv": "Apkalpotās mērķa grupas pa reģioniem",
    },
    "chart.timeline.title": {
        "en": "Initiatives by start year and programme",
        "lt": "Iniciatyvos pagal pradžios metus ir programą",
        "lv": "Iniciatīvas pēc sākuma gada un programmas",
    },
    "chart.timeline.note": {
        "en": "An initiative supported by several programmes appears under each of them.",
        "lt": "Kelių programų remiama iniciatyva rodoma prie kiekvienos iš jų.",
        "lv": "Iniciatīva, ko atbalsta vairākas programmas, parādās pie katras no tām.",
    },
    # (end of chart strings)
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The string ``key`` in ``lang`` with ``values`` filled in (English if untranslated, the key if unknown)."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text
