"""Name pools that look like Brussels, and the spelling variants real lists are full of.

Linkage quality depends on names being as messy as the real ones: particles (Van den, El, Da),
compound surnames, diacritics outside Windows-1252, feminine surname forms, and first names with
several accepted transliterations. The pools are fixed (not seeded) so that a seed only decides who
gets which name, never what the names are.
"""

from __future__ import annotations

import bisect
import random
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class Origin:
    """One naming tradition: surnames most common first, first names per sex."""

    key: str
    surnames: tuple[str, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    country: str  # ISO code used when a guardian lives abroad
    cities: tuple[str, ...]  # towns abroad for such guardians
    feminine_surnames: bool = False  # Polish -ski/-ska, Bulgarian -ov/-ova


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


_BE_NL_SURNAMES = _split(
    "Peeters, Janssens, Maes, Jacobs, Mertens, Willems, Claes, Goossens, Wouters, De Smet, Hermans,"
    " Aerts, Martens, Michiels, Verstraeten, Pauwels, Stevens, Smets, Verhaegen, Cools, Wuyts,"
    " Lemmens, Geerts, Verbruggen, Claeys, Verschueren, Hendrickx, Bogaerts, Segers, Thys, Vermeulen,"
    " Verhoeven, Baert, Coppens, Boeckx, Cuypers, Michielsen, Verlinden, Smolders, Vandenberghe,"
    " Verbeke, Desmet, Lenaerts, Van Damme, De Vos, Van den Bossche, De Backer, Van de Velde,"
    " De Clercq, Vermeersch, Vervoort, Bracke, Dewulf, Vandamme, Wyns, Van Hoof, Wijns, Van Acker,"
    " Mortier, Verheyen, Dierckx, Heylen, Laenen, Vanhoutte, Beckers, Leemans, Moens, Nijs, Roels,"
    " Schepens, Sels, Timmermans, Van Dyck, Vercammen, Verbeeck, Vanderstraeten, Vandevelde, Devos,"
    " Debruyne, Deprez, Engels, Gielen, Hoste, Jansen, Kerckhofs, Luyten, Meeus, Nys, Op de Beeck,"
    " Put, Renders, Slegers, Tack, Uyttendaele, Van Aelst, Van Belle, Van Camp, Van Gucht,"
    " Van Hecke, Van Impe, Van Landeghem, Van Nuffel, Verstappen, Vanhaelen, Vanmechelen, D'Hondt,"
    " D'Haese, Cornelis, Tielemans, Van Ransbeeck, Vanderlinden, Van Overstraeten, Ter Heyde,"
    " Ten Brink, Meert, Buelens, Callebaut, Coene, Daems, Dhaene, Everaert, Fierens, Ghysels,"
    " Haesaerts, Ingels, Joos, Kempeneers, Lauwers, Mommaerts, Noppe, Opsomer, Praet, Rottiers,"
    " Sterckx, Torfs, Vereecken, Wauters, Ysebaert, Zwaenepoel, Aelbrecht, Beullens, Crabbé,"
    " Demeulenaere, Eeckhout, Fonteyne, Goethals, Hofman, Impens"
)
_NL_PARTICLES = ("Van", "Van de", "Van den", "Van der", "Vande", "Vanden", "Vander", "Ver")
_NL_ROOTS = _split(
    "Acker, Damme, Hoof, Bossche, Berghe, Velde, Putte, Linden, Broeck, Meulen, Wilder, Steen,"
    " Kerckhove, Hecke, Dycke, Driessche, Eynde, Gucht, Hove, Laere, Loo, Mol, Poucke, Roy, Severen,"
    " Tichelen, Wesemael, Zande, Camp, Daele, Goethem, Hamme, Houtte, Lancker, Parys, Reeth, Rompaey,"
    " Schoor, Wouwe, Aken, Beveren, Biesen, Bulck, Dooren, Elst, Geel, Gils, Hulle, Kerkhoven, Nieuwenhove"
)
_DE_ROOTS = _split(
    "Smet, Vos, Backer, Clercq, Coninck, Wilde, Wolf, Meyer, Bruyn, Cock, Groote, Keyser, Mey, Paepe,"
    " Pauw, Ridder, Rycke, Schepper, Waele, Winter, Witte, Greef, Graeve, Brabander, Decker, Jonghe,"
    " Bock, Baets, Loose, Maeyer, Muynck, Neve, Praetere, Roeck, Schrijver, Sutter, Temmerman, Vlieger"
)

_BE_FR_SURNAMES = _split(
    "Dubois, Lambert, Dupont, Martin, Simon, Laurent, Leclercq, Renard, Lejeune, Mathieu, François,"
    " Lefèvre, Leroy, Dumont, Denis, Charlier, Gérard, Fontaine, Rousseau, Collard, Lemaire, Henry,"
    " Noël, Hubert, Bertrand, Michel, Petit, Thiry, Jacquet, Lallemand, Marchal, Bodart, Gilson,"
    " Mercier, Masson, Dethier, Delvaux, Lecomte, Goffin, Gillet, Pirard, Dubuisson, Desmedt,"
    " Vandenbroucke, Pirotte, Closset, Hardy, Gobert, Jadoul, Lhoest, Piron, Dessy, Collignon, Evrard,"
    " Grandjean, Lemoine, Lefebvre, Leclerc, Dupond, Delhaye, Delcourt, Delforge, Delmotte, Depret,"
    " Body, Boulanger, Bastin, Baudoux, Bourguignon, Cornet, Culot, Dachelet, Daubresse, Defays,"
    " Degrève, Delsaux, Demoulin, Deneuville, Derochette, Desterbecq, Dejardin, Deville, Docquier,"
    " Duchêne, Dumortier, Durieux, Englebert, Etienne, Falise, Fastré, Feron, Flamand, Fraiture,"
    " Gaspard, Georges, Ghislain, Gilles, Gobbe, Godefroid, Gosselin, Guillaume, Hallet, Hanquet,"
    " Hennebert, Herman, Hoornaert, Jacques, Jamar, Joiris, Kaiser, Lacroix, Lardinois, Leblanc,"
    " Legrand, Lenoir, Leonard, Lepage, Libert, Louis, Maréchal, Martens, Mouton, Nicolas, Olivier,"
    " Paquet, Parmentier, Pêcheur, Philippe, Poncelet, Quertinmont, Raskin, Remacle, Robert, Roland,"
    " Rondeau, Schmitz, Servais, Stas, Thomas, Toussaint, Urbain, Vanhamme, Verheyden, Wilmotte,"
    " Wuillaume, Zimmer, de Hemptinne, de Ligne, de Theux, d'Ursel, de la Croix, Van Cauwenberghe,"
    " Janssen, Delannoy, Decoster, Descamps, Moreau, Garnier, Bernard, Girard, Perrin, Faure, Blanchard"
)

_MA_ROOTS = _split(
    "Amrani, Idrissi, Alaoui, Bakkali, Tahiri, Khattabi, Ouali, Haddouchi, Azzouzi, Boukhari, Hamdaoui,"
    " Ouazzani, Mansouri, Fassi, Ghazi, Harrak, Jabri, Kasmi, Lahlou, Mernissi, Naciri, Rifi, Sbai, Tazi,"
    " Yousfi, Ziani, Achahbar, Bouchikhi, Charkaoui, Daoudi, Filali, Guennoun, Hajji, Hammouti, Kaddouri,"
    " Lamrani, Makhloufi, Moussaoui, Ouahabi, Rahmouni, Saidi, Touzani, Yacoubi, Zerouali, Akhrif,"
    " Hamdi, Ouariachi, Boujdaini, Haddioui, Kharbouch, Marzouki, Ouardighi, Talbi, Azzaoui, Meziani"
)
_MA_SURNAMES = _split(
    "El Amrani, El Idrissi, Benali, Bouzid, El Alaoui, El Bakkali, Benhaddou, Boussaid, Chakir,"
    " Benjelloun, Bennani, Berrada, Chraibi, El Khattabi, Ait Ouali, Ben Ali, Bouzidi, Belhaj, Boulaich,"
    " Essaidi, El Ouardi, Ahmidi, El Mokhtari, Aarab, Abdellaoui, Achaoui, Aissati, Akouh, Allouch,"
    " Amraoui, Aouragh, Azzouz, Badri, Bahri, Belkhir, Benabdellah, Benaissa, Benmoussa, Bensaid,"
    " Bouazza, Boukhris, Boutaleb, Cherradi, Dahmani, Derkaoui, Elkaddouri, Ennaji, Farhi, Hakkou,"
    " Hamidi, Jaouhari, Kaddour, Karroumi, Lachhab, Laghmich, Mahdaoui, Mekki, Mrabet, Ouachi, Ouled Ali,"
    " Rachidi, Sahli, Skalli, Tounsi, Zahraoui, Ben Moussa, Ben Hammou, Bou Hamdi, Aït Bouzid"
)

_TR_SURNAMES = _split(
    "Yılmaz, Kaya, Demir, Çelik, Şahin, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir, Arslan, Doğan, Kılıç,"
    " Aslan, Çetin, Kara, Koç, Kurt, Özkan, Şimşek, Polat, Korkmaz, Özcan, Erdoğan, Yavuz, Can, Acar,"
    " Şen, Aktaş, Güler, Yalçın, Güneş, Bozkurt, Bulut, Keskin, Ünal, Turan, Gül, Özer, Işık, Kaplan,"
    " Avcı, Sarı, Tekin, Taş, Köse, Yüksel, Ateş, Aksoy, Uçar, Emirdağ, Karagöz, Balcı, Uysal, Ekinci"
)
_TR_HEADS = (
    "Kara",
    "Ak",
    "Öz",
    "Demir",
    "Er",
    "Gül",
    "Kılıç",
    "Şen",
    "Ay",
    "Gök",
    "Tun",
    "Taş",
    "Yücel",
    "Al",
)
_TR_TAILS = ("taş", "kaya", "doğan", "han", "can", "soy", "türk", "men", "oğlu", "er", "yıldız", "dağ", "gün")

_CD_SURNAMES = _split(
    "Mukendi, Kabila, Tshibangu, Ilunga, Mbuyi, Kalala, Kasongo, Lukusa, Mutombo, Kabongo, Ngoy, Mwamba,"
    " Tshimanga, Nzuzi, Makiese, Lumbala, Mpiana, Kanku, Banza, Kayembe, Mbala, Mulumba, Nkulu,"
    " Kalonji, Bakajika, Mayele, Luzolo, Matondo, Nsimba, Mabiala, Ndombe, Kiala, Mambu, Nkanga, Lukeba,"
    " Diakiese, Tshiala, Mbemba, Lokwa, Kapinga, Mukeba, Tshilombo, Kazadi, Mpoyi, Nsenga, Kitenge,"
    " Lubanza, Masamba, Ndaya, Mukuna, Mbombo, Kabamba, Ntumba, Kankonde, Bukasa, Tshala, Mvuezolo"
)
_RO_SURNAMES = _split(
    "Popescu, Ionescu, Popa, Munteanu, Stănescu, Dumitrescu, Constantinescu, Georgescu, Rădulescu,"
    " Stoica, Stan, Dumitru, Moldovan, Gheorghe, Matei, Ciobanu, Rusu, Mihai, Ene, Marin, Lungu, Tudor,"
    " Sârbu, Florea, Dinu, Toma, Olteanu, Moldoveanu, Ardeleanu, Vasilescu, Nistor, Barbu, Preda, Iordache,"
    " Neagu, Bălan, Cristea, Roman, Tănase, Sandu, Mocanu, Pârvu, Voicu, Surdu, Oprea, Anghel, Țurcanu"
)
_RO_ROOTS = ("Pop", "Ion", "Stan", "Dumitr", "Rad", "Vlăd", "Marin", "Petr", "Mih", "Tom", "Nicol", "Cost")

_PL_SURNAMES = _split(
    "Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński, Szymański,"
    " Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Wojciechowski, Kwiatkowski, Krawczyk, Kaczmarek,"
    " Piotrowski, Grabowski, Zając, Pawłowski, Michalski, Król, Wieczorek, Jabłoński, Wróbel, Nowakowski,"
    " Majewski, Olszewski, Stępień, Malinowski, Jaworski, Adamczyk, Dudek, Nowicki, Pawlak, Górski,"
    " Witkowski, Walczak, Sikora, Baran, Rutkowski, Michalak, Szewczyk, Ostrowski, Tomaszewski,"
    " Pietrzak, Zalewski, Wróblewski, Łukasiewicz, Przybylski, Chmielewski, Błaszczyk, Sobczak,"
    " Czarnecki, Sawicki, Kubiak, Maciejewski, Szczepański, Kalinowski, Wysocki, Kołodziej, Żak,"
    " Gołębiowski, Brzeziński, Grzelak, Kaźmierczak"
)
_BG_SURNAMES = _split(
    "Ivanov, Georgiev, Dimitrov, Petrov, Nikolov, Hristov, Stoyanov, Todorov, Iliev, Vasilev, Atanasov,"
    " Petkov, Angelov, Kolev, Yordanov, Marinov, Stefanov, Popov, Mihaylov, Krastev, Dimov, Kostov,"
    " Pavlov, Aleksandrov, Tsvetkov, Mitev, Yankov, Mladenov, Slavov, Asenov"
)
_ES_PARTS = _split(
    "García, Fernández, González, Rodríguez, López, Martínez, Sánchez, Pérez, Gómez, Martín, Jiménez,"
    " Ruiz, Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, Gutiérrez, Navarro, Torres,"
    " Domínguez, Vázquez, Ramos, Gil, Ramírez, Serrano, Blanco, Molina, Morales, Suárez, Ortega, Delgado,"
    " Castro, Ortiz, Rubio, Marín, Sanz, Núñez, Iglesias, Medina, Garrido, Cortés, Castillo, Lozano,"
    " Guerrero, Cano, Prieto, Peña"
)
_PT_SURNAMES = _split(
    "Da Silva, Dos Santos, Pereira, Ferreira, Rodrigues, Gonçalves, Costa, Martins, Oliveira, Sousa,"
    " Fernandes, Lopes, Marques, Almeida, Ribeiro, Pinto, Carvalho, Teixeira, Moreira, Correia, Mendes,"
    " Nunes, Soares, Vieira, Monteiro, Cardoso, Rocha, Neves, Coelho, Cruz, Cunha, Pires, Reis, Simões,"
    " Antunes, Matos, Fonseca, Machado, De Sousa, Da Costa, Dos Reis, Do Carmo, Da Cruz, De Oliveira"
)
_IT_SURNAMES = _split(
    "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, Gallo,"
    " Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti, Barbieri, Fontana, Santoro,"
    " Mariani, Rinaldi, Caruso, Ferrara, Galli, Martini, Leone, Longo, Gentile, Martinelli, Vitale,"
    " Lombardo, Serra, Coppola, De Santis, D'Angelo, Marchetti, Parisi, Villa, Conte, Ferraro, Ferri,"
    " Fabbri, Bianco, Marini, Grasso, Valentini, Messina, Sala, De Angelis, Gatti, Pellegrini, Palumbo,"
    " Sanna, Farina, Rizzi, Monti, Cattaneo, Morelli, Amato, Silvestri, Mazza, Testa, Grassi,"
    " Pellegrino, Carbone, Giuliani, Benedetti, Barone, Caputo, Guerra, Palmieri, Fiore, De Rosa,"
    " Basile, Di Stefano, Lo Presti, La Rocca, Di Marco, Di Pietro, Lo Giudice, D'Amico, Sorrentino"
)
_WA_SURNAMES = _split(
    "Diallo, Bah, Barry, Sow, Camara, Diop, Ndiaye, Traoré, Keita, Coulibaly, Condé, Touré, Sylla,"
    " Baldé, Kouyaté, Cissé, Konaté, Soumah, Fofana, Sidibé, Kaba, Doumbouya, Bangoura, Sacko, Fall,"
    " Gueye, Mbaye, Sarr, Faye, Ba, Kanté, Diakité, Dembélé, Sangaré, N'Diaye, Nkoulou, Nana, Tchamba,"
    " Fotso, Kamga, Ngono, Essomba, Mbarga, Atangana, Owona, Tchoumi, Nguema"
)
_SY_SURNAMES = _split(
    "Al Hassan, Al Ahmad, Al Ali, Al Mohammad, Al Hussein, Haddad, Hamdan, Khalil, Ibrahim, Mahmoud,"
    " Alkhatib, Al Khatib, Darwish, Sabbagh, Haj Ali, Othman, Al Omar, Jabr, Najjar, Kassem, Zein,"
    " Hammoud, Shaaban, Al Sheikh, Al Masri, Aboud, Hallak, Alhamoud, Rahal"
)
_AF_SURNAMES = _split(
    "Ahmadi, Rahimi, Hakimi, Karimi, Noori, Popal, Safi, Stanikzai, Amiri, Hussaini, Sultani, Mohammadi,"
    " Hashimi, Sadat, Rezai, Habibi, Azizi, Sharifi, Nazari, Jafari, Haidari, Wardak, Niazi, Zazai,"
    " Sahak, Mangal, Yousufzai, Kakar, Durrani, Shinwari"
)
_UA_SURNAMES = _split(
    "Shevchenko, Kovalenko, Bondarenko, Tkachenko, Kravchenko, Melnyk, Boyko, Oliynyk, Lysenko,"
    " Marchenko, Rudenko, Savchenko, Koval, Shevchuk, Polishchuk, Bondar, Tkachuk, Moroz, Kravchuk,"
    " Kovalchuk, Petrenko, Klymenko, Pavlenko, Ponomarenko, Yakovenko, Kuzmenko, Levchenko, Ostapenko,"
    " Hrytsenko, Sydorenko, Zinchenko, Vasylenko, Ivanenko, Honcharenko, Fedorenko, Romanenko"
)
_ER_SURNAMES = _split(
    "Tesfay, Gebremedhin, Haile, Tekle, Ghebreyesus, Berhane, Kidane, Mehari, Habte, Woldemichael,"
    " Yohannes, Asmerom, Tesfamariam, Ghebremariam, Tewelde, Abraha, Kahsay, Gebru, Tsegay, Weldu,"
    " Mebrahtu, Andemariam, Okbay, Measho, Fesehaye, Negash, Ogbazghi, Zerai"
)


def _combos(
    rng: random.Random, heads: tuple[str, ...], tails: tuple[str, ...], sep: str, n: int
) -> list[str]:
    """Plausible rare surnames built from parts; a fixed RNG keeps the pools the same for every seed."""
    pairs = [f"{h}{sep}{t}" for h in heads for t in tails if h != t]
    rng.shuffle(pairs)
    return pairs[:n]


# Parts for the long tail of rare surnames: (prefixes, stems, suffixes, how many). Real registers
# hold tens of thousands of distinct surnames; without a long tail every "Peeters, 2011-03-04" would
# collide far more often than in reality and the linkage would look harder than it is.
_RARE_PARTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], int]] = {
    "be_nl": (
        ("", "", "", "Van ", "Van de ", "Van den ", "De ", "Ver", "Vande", "Vanden", "Ter "),
        _split("Hoeck, Berg, Brugg, Daele, Eeck, Goet, Hulst, Kerck, Laer, Meersch, Naey, Poel, Roey, Schoon,"
               " Steen, Wael, Wyn, Beek, Bosch, Broeck, Cauw, Dyck, Gheyn, Haegh, Heyl, Kiek, Leyn, Mael, Moer,"
               " Neck, Oost, Peer, Raem, Slyck, Stuyv, Tuyt, Veld, Vloe, Wouw, Zeg"),
        ("", "e", "en", "s", "aert", "ens", "ghem", "hove", "mans", "ers", "el", "ackers"),
        2600,
    ),
    "be_fr": (
        ("", "", "", "", "De ", "Du ", "Le ", "Del", "La"),
        _split("Bour, Char, Dur, Gil, Hen, Jac, Lam, Mar, Pir, Ren, Ros, Thi, Vil, Wil, Bert, Cor, Dam, Fav,"
               " Gob, Hub, Lem, Mich, Nol, Pet, Rob, Sauv, Tass, Vin, Bod, Cap, Dess, Foss, Gosl, Jad, Mass"),
        ("on", "ot", "ard", "et", "in", "aux", "ier", "oux", "ant", "elle", "ois", "ay", "eau", "y", "ez", "ille"),
        2600,
    ),
    "ma": (
        ("", "", "", "El ", "El ", "Ben ", "Bou", "Ait ", "Al "),
        _split("Amr, Idr, Khatt, Hadd, Azz, Hamd, Mans, Tah, Bakk, Ouazz, Jab, Kasm, Lahl, Nac, Yous, Rach,"
               " Moust, Sabb, Tayy, Zarr, Fad, Ghal, Karr, Mokht, Ouard, Rif, Tib, Zah, Chak, Dahm, Fath, Hajj,"
               " Jil, Lakh, Mez, Nad, Ouahh, Bens, Chaou, Harr"),
        ("i", "aoui", "ani", "ouni", "ati", "ali", "ichi", "ioui", "ane", "ouchi"),
        2600,
    ),
    "tr": (
        ("", "Ak", "Kara", "Öz", "Bay", "Gün", "Kır", "Sarı", "Tek", "Uz", "Yaz", "Er", "Çak"),
        _split("taş, kaya, doğan, han, can, soy, türk, men, oğlu, er, yıldız, dağ, gün, bulut, demir, el, göz,"
               " kan, ay, su, tepe, alp, yol, ok"),
        ("", "", "", "er"),
        1500,
    ),
    "cd": (
        ("Ka", "Mu", "Tshi", "Ngo", "Lu", "Mba", "Nku", "Ki", "Ma", "Mpi", "Bu", "Ilu", "Nzu", "Lo", "Ba"),
        _split("ba, la, nga, ndu, mbe, ke, ko, ngi, si, lu, bi, ya, twa, vu"),
        ("", "mba", "nda", "ngu", "la", "mbo", "nga", "ka", "le", "ji"),
        1500,
    ),
    "ro": (
        ("",),
        _split("Pop, Ion, Stan, Dumitr, Rad, Vlăd, Marin, Petr, Mih, Tom, Nicol, Cost, Andr, Bog, Cioc, Drag,"
               " Flor, Gavril, Iord, Lup, Mocan, Neag, Olar, Pătr, Rus, Săv, Tudor, Vas, Zamfir, Bărb"),
        ("escu", "eanu", "aru", "an", "ache", "ea", "oiu", "ilă", "uț"),
        900,
    ),
    "pl": (
        ("",),
        _split("Kowal, Nowak, Wiśniew, Zieliń, Lewandow, Kamiń, Dąbrow, Kozł, Jankow, Wojciech, Kwiatk, Piotr,"
               " Grab, Pawł, Michal, Jabłoń, Maj, Olsz, Malin, Jawor, Witk, Rutk, Ostrow, Tomasz, Zalew,"
               " Przybyl, Chmiel, Czarnec, Sawic, Maciej, Szczep, Kalin, Wysoc, Gołęb, Brzezin, Sobcz, Lis,"
               " Stach, Wilk, Sok, Dud, Góral, Mrocz, Kulik, Bor, Rak"),
        ("ski", "ski", "czyk", "ak", "ewicz", "iak", "ek"),
        1200,
    ),
    "bg": (
        ("",),
        _split("Ivan, Georgi, Dimitr, Petr, Nikol, Hrist, Stoyan, Todor, Ili, Vasil, Atanas, Petk, Angel, Kol,"
               " Yordan, Marin, Stef, Pop, Mihayl, Krast, Dim, Kost, Pavl, Tsvetk, Mit, Yank, Mladen, Slav,"
               " Asen, Boyan, Zhel, Raden, Lyub, Bozh, Gench, Hrist, Kiril, Lazar, Nedelch"),
        ("ov", "ev", "ov", "ev", "inov", "chev"),
        400,
    ),
    "it": (
        ("", "", "", "", "Di ", "De ", "La ", "Lo "),
        _split("Ross, Bianc, Ferr, Russ, Espos, Gall, Cont, Marin, Gre, Brun, Ricc, Lomb, Mor, Barb, Font,"
               " Sant, Mar, Rin, Car, Leon, Long, Gent, Vit, Serr, Copp, Pal, Parr, Vill, Fabbr, Grass, Sal,"
               " Gatt, Pell, Farin, Mont, Amat, Mazz, Test, Carb, Giul, Bened, Cap, Guerr, Fior, Bas, Donat"),
        ("i", "o", "a", "elli", "ini", "etti", "one", "ucci", "ato", "ese", "iello"),
        1500,
    ),
    "wa": (
        ("Dia", "Kou", "Ca", "Sy", "Ba", "Dem", "Kon", "San", "Tra", "Cis", "Fo", "Sou", "Ke", "Ndi", "Ngu",
         "Tcha", "Ess", "Ma", "Ta"),
        ("",),
        ("llo", "yaté", "mara", "lla", "ldé", "bélé", "naté", "garé", "oré", "sé", "fana", "mah", "ïta", "aye",
         "nde", "ema", "mba", "ssa", "kité"),
        600,
    ),
    "sy": (
        ("", "Al ", "Al-", "Abu ", "Haj "),
        _split("Hassan, Ahmad, Hussein, Khatib, Omar, Masri, Halabi, Homsi, Shami, Zoubi, Rifai, Hamwi, Jundi,"
               " Kurdi, Tayeb, Naser, Sayed, Saleh, Issa, Yousef, Attar, Hakim, Dabbagh, Qassab, Nahhas"),
        ("",),
        300,
    ),
    "af": (
        ("",),
        _split("Ahmad, Rahim, Hakim, Karim, Noor, Amir, Hussain, Sultan, Hashim, Habib, Aziz, Sharif, Nazar,"
               " Jafar, Haidar, Ghani, Naseem, Qadir, Rasool, Saber, Wahid, Zaman, Momand, Safi, Popal"),
        ("i", "zai", "yar", "zada", "khail", "i"),
        300,
    ),
    "ua": (
        ("",),
        _split("Kovalen, Bondar, Tkach, Kravch, Melnych, Boych, Lys, March, Rud, Savch, Shevch, Polishch,"
               " Moroz, Petr, Klym, Pavl, Ponomar, Yakov, Kuzm, Levch, Ostap, Hryts, Sydor, Zinch, Vasyl,"
               " Ivan, Honchar, Fedor, Roman, Kushn, Karp, Dats, Hnat, Yurch"),
        ("enko", "uk", "yk", "ak", "ych", "iv", "ko"),
        500,
    ),
    "er": (
        ("Gebre", "Tesfa", "Wolde", "Habte", "Ghebre", "Kidane", "Haile", "Berhane", "Tekle", "Zere"),
        _split("mariam, medhin, michael, giorgis, selassie, yesus, hiwet, lul, tsion, ab, mikael, kristos"),
        ("",),
        150,
    ),
}  # fmt: skip


def _rare(rng: random.Random, key: str, taken: set[str]) -> list[str]:
    """Rare surnames for one origin, built from its parts; a particle keeps the stem capitalised."""
    spec = _RARE_PARTS.get(key)
    if spec is None:
        return []
    prefixes, stems, suffixes, wanted = spec
    out: list[str] = []
    for _ in range(wanted * 8):
        if len(out) >= wanted:
            break
        pre, stem, suf = rng.choice(prefixes), rng.choice(stems), rng.choice(suffixes)
        core = stem if not pre or pre.endswith((" ", "-")) else stem.lower()
        name = f"{pre}{core}{suf}"
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def _unique(names: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(name, None)
    return tuple(seen)


@lru_cache
def origins() -> dict[str, Origin]:
    """All naming traditions, built once (deterministically) per process."""
    rng = random.Random(20251001)
    nl = list(_BE_NL_SURNAMES)
    nl += _combos(rng, _NL_PARTICLES, _NL_ROOTS, " ", 260)
    nl += [f"De {r}" for r in _DE_ROOTS] + [f"De{r.lower()}" for r in _DE_ROOTS[:12]]
    ma = list(_MA_SURNAMES)
    for root in _MA_ROOTS:
        ma.append(root)
        ma.append(f"El {root}")
    ma += _combos(rng, ("Ben", "Bou", "Ait", "Ouled"), _MA_ROOTS, " ", 40)
    tr = list(_TR_SURNAMES) + [h + t for h in _TR_HEADS for t in _TR_TAILS if (h + t) not in _TR_SURNAMES]
    cd = list(_CD_SURNAMES) + _combos(rng, _CD_SURNAMES[:30], _CD_SURNAMES[10:], " ", 120)
    ro = list(_RO_SURNAMES) + [r + s for r in _RO_ROOTS for s in ("escu", "eanu", "ache")]
    es = _combos(rng, _ES_PARTS, _ES_PARTS, " ", 900)
    pt = list(_PT_SURNAMES) + _combos(rng, _PT_SURNAMES[:12], _PT_SURNAMES[2:30], " ", 120)
    specs = [
        Origin(
            "be_nl",
            _unique(nl),
            _split(
                "Lucas, Louis, Noah, Arthur, Liam, Jules, Adam, Victor, Mathis, Finn, Vic, Lars, Wout,"
                " Seppe, Stan, Warre, Mats, Lowie, Jasper, Robbe, Thomas, Milan, Senne, Kobe, Ferre, Rune,"
                " Tuur, Nand, Lander, Jarne, Bram, Pieter, Jonas, Simon, Siebe, Mauro, Elias, Leon, Cas,"
                " Jef, Staf, Matteo, Daan, Wannes, Thijs, Gust, Bert, Joris, Jens, Jorn"
            ),
            _split(
                "Olivia, Emma, Louise, Marie, Mila, Ella, Lore, Nora, Fien, Lotte, Julie, Hanne, Lena, Noor,"
                " Elise, Fleur, Lisa, Amber, Yana, Febe, Margot, Ines, Nina, Zoë, Lien, Sara, Lieze, Jana,"
                " Aline, Anna, Charlotte, Helena, Roos, Jente, Axelle, Marthe, Floor, Liv, Ona, Mona, Jolien,"
                " Kato, Tess, Lize, Griet, Silke, Ine, Anouk"
            ),
            "NL",
            ("Breda", "Maastricht", "Rotterdam", "Amsterdam", "Eindhoven"),
        ),
        Origin(
            "be_fr",
            _BE_FR_SURNAMES,
            _split(
                "Gabriel, Louis, Arthur, Jules, Noah, Lucas, Adam, Victor, Hugo, Nathan, Mathéo, Raphaël,"
                " Léon, Théo, Tom, Maxime, Alexandre, Antoine, Baptiste, Simon, Thomas, Clément, Romain,"
                " Émile, Sacha, Martin, Léo, Eliott, Augustin, Côme, Timéo, Noé, Gaspard, Robin, Axel,"
                " Florian, Quentin, Nicolas, Benoît, Loïc, Cédric, François, Julien, Valentin, Corentin"
            ),
            _split(
                "Louise, Olivia, Emma, Alice, Mila, Lina, Juliette, Léa, Chloé, Zoé, Camille, Manon, Inès,"
                " Clara, Jeanne, Anna, Charlotte, Lucie, Éléonore, Margaux, Elena, Romane, Pauline, Noémie,"
                " Hélène, Océane, Célia, Maëlle, Justine, Marie, Léonie, Agathe, Capucine, Rose, Héloïse,"
                " Amélie, Gaëlle, Aurélie, Laetitia, Sophie, Victoire, Apolline, Anaïs"
            ),
            "FR",
            ("Paris", "Lille", "Lyon", "Marseille", "Strasbourg"),
        ),
        Origin(
            "ma",
            _unique(ma),
            _split(
                "Mohamed, Adam, Amine, Youssef, Ayoub, Ilyas, Rayan, Bilal, Hamza, Anas, Mehdi, Yassine,"
                " Omar, Ismaël, Zakaria, Soufiane, Nassim, Karim, Ibrahim, Ahmed, Hicham, Khalid, Rachid,"
                " Mustapha, Nabil, Said, Mourad, Abdelkader, Abdellah, Badr, Othmane, Imran, Walid, Samir,"
                " Tarik, Ali, Hassan, Younes, Idriss, Sami, Marwan, Yasser, Brahim, Mohamed Amine, Anass"
            ),
            _split(
                "Fatima, Aya, Salma, Nour, Yasmine, Sara, Imane, Meryem, Khadija, Aïcha, Hajar, Inès,"
                " Kawtar, Malak, Rania, Ikram, Nisrine, Soukaina, Hanae, Zineb, Houda, Loubna, Leila, Samira,"
                " Nadia, Siham, Hafsa, Safae, Amina, Asmae, Chaïma, Ilham, Latifa, Naima, Rachida, Wafae,"
                " Sanae, Hind, Dounia, Assia, Douae, Sofia, Fatima Zahra, Lina"
            ),
            "MA",
            ("Casablanca", "Tanger", "Nador", "Al Hoceïma", "Rabat", "Oujda", "Tétouan"),
        ),
        Origin(
            "tr",
            _unique(tr),
            _split(
                "Mehmet, Mustafa, Ahmet, Ali, Hüseyin, Hasan, İbrahim, Emre, Yusuf, Ömer, Murat, Burak,"
                " Kerem, Eymen, Miraç, Enes, Çınar, Alperen, Efe, Berat, Emir, Yiğit, Arda, Furkan, Oğuz,"
                " Selim, Tuncay, Kaan, Barış, Serkan, Volkan, Onur, Mert, Batuhan, İsmail"
            ),
            _split(
                "Elif, Zeynep, Ayşe, Fatma, Emine, Hatice, Merve, Esra, Büşra, Defne, Ecrin, Azra, Eylül,"
                " Nehir, Asel, Miray, Zehra, Yağmur, Sümeyye, Gül, Özge, Tuğba, Şeyma, Hümeyra, Rabia,"
                " Buse, İrem, Derya, Ceren, Damla, Meryem"
            ),
            "TR",
            ("Emirdağ", "Afyonkarahisar", "Istanbul", "Ankara", "Kayseri"),
        ),
        Origin(
            "cd",
            _unique(cd),
            _split(
                "Jonathan, Christian, Emmanuel, Patrick, Junior, Glody, Israël, Exaucé, Jordan, Dieudonné,"
                " Héritier, Prince, Chris, Trésor, Divin, Elie, Josué, Daniel, David, Samuel, Christopher,"
                " Kevin, Joël, Blaise, Fiston, Benjamin, Nathan, Michaël, Aaron, Isaac, Jérémie, Olivier,"
                " Arsène, Serge, Jean-Paul, Jean-Marie"
            ),
            _split(
                "Grâce, Merveille, Divine, Exaucée, Bénédicte, Sarah, Esther, Rebecca, Naomi, Ruth,"
                " Déborah, Joëlle, Prisca, Christelle, Nathalie, Arlette, Ornella, Priscille, Dorcas,"
                " Miriam, Gracia, Plamedi, Bénie, Jemima, Keren, Océane, Élodie, Rachel, Hadassa, Ketsia,"
                " Anaïs, Chancelle, Marie-Claire"
            ),
            "CD",
            ("Kinshasa", "Lubumbashi", "Mbuji-Mayi", "Kisangani"),
        ),
        Origin(
            "ro",
            _unique(ro),
            _split(
                "Andrei, Alexandru, Ștefan, Ionuț, Mihai, David, Gabriel, Luca, Matei, Darius, Rareș, Vlad,"
                " Cristian, Florin, Marius, Adrian, Bogdan, Ciprian, Răzvan, Sorin, Tudor, Radu, Victor,"
                " Eduard, Denis, Robert, Sebastian, Cosmin, Ionel, Nicolae"
            ),
            _split(
                "Maria, Ioana, Elena, Andreea, Alexandra, Sofia, Ana, Daria, Bianca, Gabriela, Alesia,"
                " Antonia, Ecaterina, Iulia, Roxana, Denisa, Ilinca, Irina, Mădălina, Ștefania, Cristina,"
                " Larisa, Georgiana, Raluca, Miruna, Anastasia, Diana, Teodora, Adelina"
            ),
            "RO",
            ("București", "Iași", "Cluj-Napoca", "Suceava", "Bacău"),
        ),
        Origin(
            "pl",
            _PL_SURNAMES,
            _split(
                "Jakub, Jan, Antoni, Szymon, Filip, Aleksander, Franciszek, Mikołaj, Wojciech, Kacper, Adam,"
                " Michał, Piotr, Paweł, Tomasz, Krzysztof, Łukasz, Mateusz, Bartosz, Dawid, Kamil, Marcin,"
                " Oskar, Igor, Stanisław, Wiktor, Maciej, Grzegorz"
            ),
            _split(
                "Zuzanna, Julia, Zofia, Hanna, Maja, Lena, Alicja, Maria, Amelia, Oliwia, Wiktoria, Natalia,"
                " Aleksandra, Agnieszka, Katarzyna, Małgorzata, Magdalena, Joanna, Karolina, Marta, Anna,"
                " Weronika, Emilia, Gabriela, Nikola, Kinga, Dominika"
            ),
            "PL",
            ("Warszawa", "Kraków", "Łódź", "Białystok", "Wrocław"),
            feminine_surnames=True,
        ),
        Origin(
            "bg",
            _BG_SURNAMES,
            _split(
                "Georgi, Ivan, Dimitar, Nikolay, Aleksandar, Hristo, Petar, Stoyan, Martin, Kaloyan, Viktor,"
                " Daniel, Boris, Todor, Yordan, Plamen, Stefan, Mehmed"
            ),
            _split(
                "Maria, Ivana, Elena, Viktoria, Gergana, Desislava, Yoana, Nikol, Aleksandra, Raya, Kalina,"
                " Siyana, Petya, Radostina, Bilyana, Teodora"
            ),
            "BG",
            ("Sofia", "Plovdiv", "Varna", "Kardzhali"),
            feminine_surnames=True,
        ),
        Origin(
            "es",
            _unique(es),
            _split(
                "Alejandro, Daniel, Pablo, Hugo, Álvaro, Adrián, David, Diego, Javier, Mario, Sergio, Marcos,"
                " Iván, Manuel, Carlos, José, Antonio, Francisco, Miguel, Jorge, Rubén, Nicolás, Mateo,"
                " Martín, Lucas, José Antonio, Juan Carlos"
            ),
            _split(
                "Lucía, María, Paula, Sofía, Martina, Carmen, Laura, Alba, Daniela, Julia, Sara, Valeria,"
                " Claudia, Irene, Elena, Ana, Marta, Nerea, Andrea, Alicia, Inés, Ainhoa, Rocío, Nuria,"
                " Begoña, María José, Ana Belén"
            ),
            "ES",
            ("Madrid", "Sevilla", "Málaga", "Valencia", "A Coruña"),
        ),
        Origin(
            "pt",
            _unique(pt),
            _split(
                "João, Pedro, Tiago, Rodrigo, Diogo, Gonçalo, Rafael, Francisco, Miguel, Martim, Duarte,"
                " Tomás, Afonso, Gabriel, Bruno, Ricardo, Rui, Nuno, Paulo, Luís, André, Vasco, Fábio"
            ),
            _split(
                "Maria, Ana, Beatriz, Mariana, Inês, Leonor, Matilde, Carolina, Joana, Sofia, Rita,"
                " Catarina, Margarida, Francisca, Bárbara, Filipa, Daniela, Sara, Teresa, Mafalda, Vitória,"
                " Luana"
            ),
            "PT",
            ("Lisboa", "Porto", "Braga", "Coimbra"),
        ),
        Origin(
            "it",
            _IT_SURNAMES,
            _split(
                "Luca, Marco, Matteo, Lorenzo, Alessandro, Andrea, Leonardo, Francesco, Gabriele, Riccardo,"
                " Tommaso, Giuseppe, Antonio, Salvatore, Giovanni, Davide, Nicola, Stefano, Vincenzo, Enzo,"
                " Rocco, Dario, Fabio, Angelo"
            ),
            _split(
                "Giulia, Sofia, Aurora, Alice, Ginevra, Emma, Giorgia, Beatrice, Martina, Chiara, Francesca,"
                " Alessia, Sara, Elena, Valentina, Federica, Silvia, Anna, Gaia, Noemi, Rosa, Carla, Lucia"
            ),
            "IT",
            ("Roma", "Palermo", "Napoli", "Bari", "Agrigento"),
        ),
        Origin(
            "wa",
            _WA_SURNAMES,
            _split(
                "Mamadou, Ibrahima, Alpha, Oumar, Abdoulaye, Amadou, Moussa, Souleymane, Boubacar, Thierno,"
                " Aliou, Ousmane, Sékou, Lamine, Cheikh, Modou, Issa, Idrissa, Saliou, Boris, Yannick,"
                " Franck, Hervé"
            ),
            _split(
                "Fatoumata, Mariama, Aïssatou, Kadiatou, Hawa, Aminata, Binta, Oumou, Fanta, Mariam,"
                " Kadidia, Djénéba, Ramatoulaye, Adama, Awa, Sokhna, Ndeye, Coumba, Safiatou, Nafissatou,"
                " Rokia, Sandrine, Laure, Carine"
            ),
            "GN",
            ("Conakry", "Dakar", "Yaoundé", "Douala", "Labé"),
        ),
        Origin(
            "sy",
            _SY_SURNAMES,
            _split(
                "Mohammad, Ahmad, Omar, Khaled, Yamen, Rami, Hamza, Abdulrahman, Mahmoud, Karam, Majd, Amir,"
                " Ali, Yazan, Ammar, Bashar, Tarek, Ayham, Qusai, Zaid"
            ),
            _split(
                "Sham, Rahaf, Layan, Lamar, Sidra, Hala, Ghazal, Maya, Nour, Bayan, Raghad, Judy, Rama,"
                " Hiba, Reem, Aya, Shahd, Tala, Dana, Yara"
            ),
            "SY",
            ("Damascus", "Aleppo", "Homs"),
        ),
        Origin(
            "af",
            _AF_SURNAMES,
            _split(
                "Mohammad, Ahmad, Ali, Mustafa, Abdullah, Hamid, Farid, Nasir, Sayed, Jawad, Bilal,"
                " Samiullah, Rahmatullah, Zabihullah, Sohail, Arash, Omid, Hamed, Javid, Ahmad Shah"
            ),
            _split(
                "Fatima, Zahra, Maryam, Marwa, Sana, Parisa, Shabnam, Nilofar, Mahsa, Zainab, Madina,"
                " Fereshta, Yalda, Sadaf, Mursal, Khadija, Tahmina, Laila, Roya, Nazanin"
            ),
            "AF",
            ("Kabul", "Herat", "Jalalabad"),
        ),
        Origin(
            "ua",
            _UA_SURNAMES,
            _split(
                "Oleksandr, Maksym, Artem, Dmytro, Andriy, Mykhailo, Ivan, Danylo, Bohdan, Nazar, Yaroslav,"
                " Vladyslav, Denys, Kyrylo, Matviy, Taras, Serhiy, Oleh, Yuriy, Roman"
            ),
            _split(
                "Sofiia, Anastasiia, Mariia, Anna, Viktoriia, Polina, Yelyzaveta, Daryna, Kateryna,"
                " Solomiia, Zlata, Veronika, Alina, Oleksandra, Khrystyna, Yana, Diana, Vira, Iryna, Olena"
            ),
            "UA",
            ("Kyiv", "Kharkiv", "Lviv", "Odesa", "Dnipro"),
        ),
        Origin(
            "er",
            _ER_SURNAMES,
            _split(
                "Yonas, Dawit, Samuel, Filmon, Robel, Merhawi, Biniam, Natnael, Henok, Semere, Yosief, Abel,"
                " Daniel, Aron, Kibrom, Mussie, Teklit, Eyob, Tesfalem, Mikael"
            ),
            _split(
                "Helen, Senait, Selam, Yordanos, Saba, Luwam, Hiwet, Eden, Winta, Feven, Rahwa, Meron,"
                " Selamawit, Ruth, Bethlehem, Hanna, Elsa, Lidya, Mahlet, Mekdes"
            ),
            "ER",
            ("Asmara", "Keren", "Massawa"),
        ),
    ]
    out: dict[str, Origin] = {}
    for origin in specs:
        taken = set(origin.surnames)
        out[origin.key] = replace(
            origin, surnames=_unique(list(origin.surnames) + _rare(rng, origin.key, taken))
        )
    return out


# Origin mix per place of residence (children in Brussels, pupils in Flanders, pupils in Wallonia).
REGION_MIX: dict[str, dict[str, float]] = {
    "brussels": {
        "be_fr": 0.21, "be_nl": 0.07, "ma": 0.22, "tr": 0.06, "cd": 0.07, "ro": 0.07, "pl": 0.03,
        "bg": 0.03, "es": 0.03, "pt": 0.03, "it": 0.04, "wa": 0.05, "sy": 0.03, "af": 0.02,
        "ua": 0.03, "er": 0.02,
    },
    "flanders": {
        "be_nl": 0.80, "be_fr": 0.02, "ma": 0.06, "tr": 0.04, "pl": 0.02, "ro": 0.02, "bg": 0.01,
        "cd": 0.005, "wa": 0.005, "es": 0.005, "pt": 0.005, "it": 0.005, "sy": 0.005, "af": 0.005,
        "ua": 0.005, "er": 0.005,
    },
    "wallonia": {
        "be_fr": 0.76, "be_nl": 0.02, "it": 0.07, "ma": 0.05, "tr": 0.03, "cd": 0.025, "es": 0.01,
        "pt": 0.01, "ro": 0.01, "pl": 0.005, "wa": 0.005, "sy": 0.005, "af": 0.005, "ua": 0.005,
        "bg": 0.005,
    },
}  # fmt: skip


class WeightedPool:
    """A list of names with skewed (Zipf-like) frequencies: a few very common, a long rare tail."""

    def __init__(self, names: tuple[str, ...], skew: float = 0.9, offset: float = 6.0) -> None:
        self.names = names
        weights = 1.0 / np.power(np.arange(len(names)) + offset, skew)
        self.cdf = np.cumsum(weights / weights.sum())
        self.cdf[-1] = 1.0
        self._cdf_list = self.cdf.tolist()

    def pick(self, rng: random.Random) -> str:
        return self.names[min(bisect.bisect_right(self._cdf_list, rng.random()), len(self.names) - 1)]

    def pick_many(self, u: np.ndarray) -> np.ndarray:
        """Indices for uniform draws `u` (vectorised, used for the bulk of outside pupils)."""
        return np.minimum(np.searchsorted(self.cdf, u, side="right"), len(self.names) - 1)


@lru_cache
def pools() -> dict[tuple[str, str], WeightedPool]:
    """(origin, 'last' | 'M' | 'F') -> weighted pool."""
    out: dict[tuple[str, str], WeightedPool] = {}
    for key, origin in origins().items():
        out[(key, "last")] = WeightedPool(origin.surnames, skew=0.8, offset=8.0)
        out[(key, "M")] = WeightedPool(origin.male, skew=1.0, offset=3.0)
        out[(key, "F")] = WeightedPool(origin.female, skew=1.0, offset=3.0)
    return out


def feminine(surname: str, origin_key: str) -> str:
    """Polish and Bulgarian surnames take a feminine form (Kowalski -> Kowalska, Ivanov -> Ivanova)."""
    if not origins()[origin_key].feminine_surnames:
        return surname
    for masc, fem in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka"), ("ov", "ova"), ("ev", "eva")):
        if surname.endswith(masc):
            return surname[: -len(masc)] + fem
    return surname


# --- first-name transliteration variants -------------------------------------------------------

_VARIANT_GROUPS: tuple[tuple[str, ...], ...] = tuple(
    _split(group)
    for group in (
        "Mohamed, Mohammed, Muhammad, Mohammad, Mohamad, Mouhamed",
        "Youssef, Yousef, Youssouf, Yusuf, Yussef",
        "Fatima, Fatma, Fatema, Fátima",
        "Aïcha, Aicha, Aisha, Aïsha",
        "Ahmed, Ahmet, Ahmad",
        "Ibrahim, Ibrahima, Brahim, İbrahim",
        "Ismaël, Ismail, Ismael, İsmail",
        "Ilyas, Ilias, Elias, Iliass",
        "Mustapha, Mustafa, Moustafa, Mostafa",
        "Yassine, Yacine, Yasin, Yassin",
        "Abdellah, Abdallah, Abdullah",
        "Khadija, Khadidja, Hadija",
        "Meryem, Meriem, Maryam, Mariam, Myriam",
        "Zineb, Zeynep, Zaynab, Zainab",
        "Nour, Noor, Nur",
        "Said, Saïd, Saeed",
        "Rachid, Rashid",
        "Karim, Kareem, Kerim",
        "Omar, Umar, Ömer, Omer",
        "Hüseyin, Huseyin, Hussein, Hussain",
        "Hasan, Hassan",
        "Amine, Amin, Emin",
        "Anas, Anass, Enes",
        "Chaïma, Chaima, Shaima, Chaymae",
        "Imane, Iman, Imen",
        "Salma, Selma",
        "Yasmine, Yasmina, Jasmine, Yasemin",
        "Rayan, Rayane, Rayen",
        "Soufiane, Sofiane, Sufyan",
        "Zakaria, Zakariya, Zakariae, Zacharia",
        "Mehdi, Mahdi",
        "Oleksandr, Olexandr, Aleksandr, Alexander",
        "Sofiia, Sofiya, Sofia, Sophia",
        "Anastasiia, Anastasiya, Anastasia",
        "Mariia, Mariya, Maria",
        "Dmytro, Dmitro, Dmitri",
        "Andriy, Andrii, Andrei",
        "Serhiy, Serhii, Sergei",
        "Viktoriia, Viktoriya, Viktoria, Victoria",
        "Mathéo, Matheo, Matteo, Mateo",
        "Lucas, Lukas, Luka",
        "Zoé, Zoë, Zoe",
        "Chloé, Chloe",
        "Inès, Ines",
        "Raphaël, Raphael, Rafael",
        "Eliott, Elliot, Eliot",
        "Héloïse, Heloise, Eloïse",
        "Mamadou, Mamoudou",
        "Aïssatou, Aissatou, Aysatou",
        "Fatoumata, Fatumata, Fatouma",
        "Kadiatou, Kadijatou",
        "Yosief, Yosef, Joseph",
        "Ștefan, Stefan, Ştefan",
        "Ionuț, Ionut, Ionuţ",
        "Rareș, Rares, Rareş",
        "Ștefania, Stefania, Ştefania",
        "Mikołaj, Mikolaj, Nikolaj",
        "Jakub, Jakob, Jacob",
    )
)
_VARIANTS: dict[str, tuple[str, ...]] = {}
for _group in _VARIANT_GROUPS:
    for _name in _group:
        _VARIANTS.setdefault(_name, _group)


def has_variants(first: str) -> bool:
    return first.split(" ")[0] in _VARIANTS


def variant(first: str, rng: random.Random) -> str:
    """Another accepted spelling of the (first) first name, e.g. Mohamed -> Mohammed."""
    head, _, rest = first.partition(" ")
    group = _VARIANTS.get(head)
    if not group:
        return first
    choice = rng.choice([v for v in group if v != head])
    return f"{choice} {rest}" if rest else choice


# --- diacritics ---------------------------------------------------------------------------------

_NO_DECOMPOSITION = {"ł": "l", "Ł": "L", "ı": "i", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O"}
_ACCENT_SWAPS = {"é": "è", "è": "é", "ë": "é", "ê": "e", "ï": "i", "ç": "c", "ö": "o", "ü": "u", "â": "a"}


@lru_cache(maxsize=65536)
def strip_accents(text: str) -> str:
    """What a keyboard without dead keys produces: every diacritic dropped."""
    text = "".join(_NO_DECOMPOSITION.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def has_accents(text: str) -> bool:
    return strip_accents(text) != text


def change_accent(text: str, rng: random.Random) -> str:
    """Lose all accents (most often) or swap one for another (é -> è), as clerks do."""
    swaps = [i for i, ch in enumerate(text) if ch in _ACCENT_SWAPS]
    if swaps and rng.random() < 0.35:
        i = rng.choice(swaps)
        return text[:i] + _ACCENT_SWAPS[text[i]] + text[i + 1 :]
    return strip_accents(text)


_CP1252: dict[str, str] = {}


def to_cp1252(text: str) -> str:
    """Transliterate what Windows-1252 cannot hold (ş -> s, ł -> l, ă -> a), like a legacy export."""
    done = _CP1252.get(text)
    if done is None:
        done = _transliterate(text)
        if len(_CP1252) < 500_000:  # names repeat a lot; typos make the tail unbounded
            _CP1252[text] = done
    return done


def _transliterate(text: str) -> str:
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            repl = strip_accents(ch)
            try:
                repl.encode("cp1252")
            except UnicodeEncodeError:
                repl = "?"
            out.append(repl)
    return "".join(out)


# --- particles and compound surnames ---------------------------------------------------------------

PARTICLES = frozenset(
    "van vande vanden vander de den der del della di da das dos do du le la el al ben bou ait aït ouled"
    " ter ten op lo d'".split()
)


def segments(surname: str) -> list[str]:
    """Split a surname into parts, each with its particles attached: 'Da Silva Pereira' -> 2 parts."""
    out: list[str] = []
    pending: list[str] = []
    for token in surname.split(" "):
        pending.append(token)
        if token.lower() not in PARTICLES:
            out.append(" ".join(pending))
            pending = []
    if pending:
        if out:
            out[-1] = out[-1] + " " + " ".join(pending)
        else:
            out.append(" ".join(pending))
    return out


def is_compound(surname: str) -> bool:
    return len(segments(surname)) >= 2


def has_particle(surname: str) -> bool:
    tokens = surname.split(" ")
    return len(tokens) >= 2 and tokens[0].lower() in PARTICLES


def particle_variant(surname: str, rng: random.Random) -> str:
    """Van den Bossche -> Vandenbossche / Van Den Bossche / van den Bossche / VAN DEN BOSSCHE."""
    tokens = surname.split(" ")
    i = 0
    while i < len(tokens) - 1 and tokens[i].lower() in PARTICLES:
        i += 1
    particles, rest = tokens[:i], " ".join(tokens[i:])
    glued = "".join(particles) + rest.lower()
    options = [
        glued[0].upper() + glued[1:],
        " ".join(p.capitalize() for p in particles) + " " + rest,
        " ".join(p.lower() for p in particles) + " " + rest,
        surname.upper(),
    ]
    if particles and particles[-1].lower() in ("el", "al", "ben", "ait", "aït", "bou"):
        options.append("-".join(particles) + "-" + rest)
    options = [o for o in options if o != surname]
    return rng.choice(options)
