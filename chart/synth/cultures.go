package synth

import (
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// cultures are the name styles synth draws from, with their share of the
// population. The syllables are chosen to sound like a language without
// copying anybody's name: they are recombined at random.
var cultures = []culture{
	{
		script: "latin", weight: 45, families: 3000, givens: 300,
		languages: []string{"English", "Dutch", "Italian", "Indonesian", "Tagalog", "Swahili"},
		family: func(r *rand.Rand) familyName {
			s := title(latinStem(r) + pick(r, latinFamilyEnds))
			return familyName{s, s}
		},
		given: func(r *rand.Rand, female bool) string {
			ends := latinMaleEnds
			if female {
				ends = latinFemaleEnds
			}
			return title(pick(r, latinOnsets) + pick(r, latinVowels) + pick(r, latinMids) + pick(r, ends))
		},
	},
	{
		script: "latin-accented", weight: 20, families: 3000, givens: 300,
		languages: []string{"Spanish", "French", "German", "Turkish", "Portuguese", "Polish", "Czech", "Swedish"},
		family: func(r *rand.Rand) familyName {
			s := accented(func() string {
				s := pick(r, accOnsets) + pick(r, accVowels)
				if r.IntN(2) == 0 {
					s += pick(r, accMids) + pick(r, accVowels)
				}
				return title(s + pick(r, accFamilyEnds))
			})
			return familyName{s, s}
		},
		given: func(r *rand.Rand, female bool) string {
			ends := accMaleEnds
			if female {
				ends = accFemaleEnds
			}
			return accented(func() string {
				return title(pick(r, accOnsets) + pick(r, accVowels) + pick(r, accMids) + pick(r, ends))
			})
		},
	},
	{
		script: "greek", weight: 10, families: 3000, givens: 300,
		languages: []string{"Greek"},
		family: func(r *rand.Rand) familyName {
			stem := pick(r, greekOnsets) + pick(r, greekVowels) + pick(r, greekOnsets) + pick(r, greekVowels) + pick(r, greekOnsets)
			if r.IntN(3) == 0 {
				stem += pick(r, greekVowels) + pick(r, greekOnsets)
			}
			e := greekFamilyEnds[r.IntN(len(greekFamilyEnds))]
			return familyName{title(stem + e.male), title(stem + e.female)}
		},
		given: func(r *rand.Rand, female bool) string {
			ends := greekMaleEnds
			if female {
				ends = greekFemaleEnds
			}
			return title(pick(r, greekOnsets) + pick(r, greekVowels) + pick(r, greekOnsets) + pick(r, ends))
		},
	},
	{
		script: "cyrillic", weight: 10, families: 3000, givens: 300,
		languages: []string{"Russian", "Ukrainian", "Bulgarian", "Serbian"},
		family: func(r *rand.Rand) familyName {
			stem := pick(r, cyrOnsets) + pick(r, cyrVowels) + pick(r, cyrOnsets)
			if r.IntN(2) == 0 {
				stem += pick(r, cyrVowels) + pick(r, cyrOnsets)
			}
			e := cyrFamilyEnds[r.IntN(len(cyrFamilyEnds))]
			return familyName{title(stem + e.male), title(stem + e.female)}
		},
		given: func(r *rand.Rand, female bool) string {
			ends := cyrMaleEnds
			if female {
				ends = cyrFemaleEnds
			}
			return title(pick(r, cyrOnsets) + pick(r, cyrVowels) + pick(r, cyrOnsets) + pick(r, ends))
		},
	},
	{
		script: "arabic", weight: 8, families: 3000, givens: 300,
		languages: []string{"Arabic", "Persian", "Urdu"},
		family: func(r *rand.Rand) familyName {
			s := syllables(r, arabicSyllables, 2+r.IntN(2))
			if r.IntN(5) < 2 {
				s = "ال" + s
			}
			if r.IntN(10) < 3 {
				s += "ي"
			}
			s = harakat(r, s)
			return familyName{s, s}
		},
		given: func(r *rand.Rand, female bool) string {
			s := syllables(r, arabicSyllables, 2)
			if female {
				s += pick(r, []string{"ة", "ى", "اء", ""})
			} else if r.IntN(4) == 0 {
				s += "ان"
			}
			return harakat(r, s)
		},
	},
	{
		script: "cjk", weight: 4, families: 3000, givens: 300,
		languages: []string{"Chinese"},
		family: func(r *rand.Rand) familyName {
			s := pick(r, hanFamily)
			if r.IntN(10) < 9 { // two-character family names, to have thousands
				s += pick(r, hanFamily)
			}
			return familyName{s, s}
		},
		given: func(r *rand.Rand, female bool) string {
			s := pick(r, hanGiven)
			if r.IntN(4) != 0 {
				s += pick(r, hanGiven)
			}
			return s
		},
	},
	{
		script: "cjk", weight: 3, families: 2000, givens: 300,
		languages: []string{"Japanese"},
		family: func(r *rand.Rand) familyName {
			s := pick(r, kanjiFamily) + pick(r, kanjiFamily)
			if r.IntN(8) == 0 {
				s += pick(r, kanjiFamily)
			}
			return familyName{s, s}
		},
		given: func(r *rand.Rand, female bool) string {
			ends := kanjiMaleEnds
			if female {
				ends = kanjiFemaleEnds
			}
			if r.IntN(4) == 0 { // written in kana
				return syllables(r, kana, 2+r.IntN(2))
			}
			return pick(r, kanjiGiven) + pick(r, ends)
		},
	},
}

func latinStem(r *rand.Rand) string {
	s := pick(r, latinOnsets) + pick(r, latinVowels)
	if r.IntN(2) == 0 {
		s += pick(r, latinMids) + pick(r, latinVowels)
	}
	return s
}

// accented retries make until it gives a name with a letter outside ASCII,
// so that the accented culture always exercises accent folding.
func accented(make func() string) string {
	for range 20 {
		if s := make(); !isASCII(s) {
			return s
		}
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// harakat puts a short-vowel sign after the first letter of one name in
// ten, as some records are written vocalised and most are not.
func harakat(r *rand.Rand, s string) string {
	if r.IntN(10) != 0 {
		return s
	}
	_, n := utf8.DecodeRuneInString(s)
	return s[:n] + pick(r, []string{"\u064E", "\u0650", "\u064F", "\u0651"}) + s[n:]
}

var (
	latinOnsets     = strings.Fields("b br c ch d dr f fl g gr h k l m n p pr r s sh st t tr v w z bl cl th")
	latinVowels     = strings.Fields("a e i o u a e o ai ea ou")
	latinMids       = strings.Fields("l r n m s t v d nd rr ll ss st nt rl lv rn")
	latinFamilyEnds = strings.Fields("ton ley by son wick field more ridge stead hart well den ford mont er ell ard ik ani etti ens berg holm ander")
	latinMaleEnds   = strings.Fields("o an en iel or as us ric win im ard")
	latinFemaleEnds = strings.Fields("a ia elle ine ette ora issa yn een ara ina")

	accOnsets     = strings.Fields("b br c d f g gr j l m n p r s t v z ž č ş ł ñ ř")
	accVowels     = strings.Fields("a e i o u a e o á é í ó ú à è ò ê ä ö ü ø å ã ë")
	accMids       = strings.Fields("l r n m s t v d rr ll ñ ç ş rz nd")
	accFamilyEnds = strings.Fields("eño ález ière ölz ürk ürkel avin ão ès elle ová ský öm ąk ęga ünel iço ez ar")
	accMaleEnds   = strings.Fields("ão é ürk ès ó ín el ek")
	accFemaleEnds = strings.Fields("é ía ëlle ová ája öne a ine")

	greekOnsets     = strings.Fields("κ λ μ ν π ρ σ τ β γ δ θ χ φ ζ ξ στ χρ σπ ντ μπ τσ")
	greekVowels     = strings.Fields("α ε ι ο υ ω η ου αι ει")
	greekFamilyEnds = []familyName{
		{"όπουλος", "οπούλου"}, {"ίδης", "ίδου"}, {"άκης", "άκη"}, {"άτος", "άτου"},
		{"έλλης", "έλλη"}, {"ίου", "ίου"}, {"ιάδης", "ιάδου"}, {"άρης", "άρη"},
	}
	greekMaleEnds   = strings.Fields("ίνος άκης έας ώνας ίων άνης ος")
	greekFemaleEnds = strings.Fields("ίνα ή ία ώ έλλα άννα η")

	cyrOnsets     = strings.Fields("б в г д ж з к л м н п р с т ф х ц ч ш щ кр ст бр гр")
	cyrVowels     = strings.Fields("а е и о у ы я ю ё")
	cyrFamilyEnds = []familyName{
		{"ский", "ская"}, {"ов", "ова"}, {"ев", "ева"}, {"ин", "ина"},
		{"енко", "енко"}, {"ук", "ук"}, {"ских", "ских"}, {"цкий", "цкая"},
	}
	cyrMaleEnds   = strings.Fields("ий ан ор ей ил ослав")
	cyrFemaleEnds = strings.Fields("а ия ана ина ослава еля")

	arabicSyllables = strings.Fields("بد رح سم ني ور حم كر يم فا طم زي نب سل ما جا صا لي عا قا دي هو شر غا ثا خو")

	hanFamily = strings.Split("岚祁钟柏蔺闵莘汐濮檀璩甄栾靳苑阙滕邝霍戚欧乔冉晏屠聂荀饶宓裴鞠焦喻卢翟蒲邰芮楚宁郁鲍殷谌麦隗", "")
	hanGiven  = strings.Split("明华丽伟静芳军洋敏磊婷雪慧峰辰宇涵萱轩睿瑶琪皓晨悦怡浩然博文欣语梓航泽霖桐嘉", "")

	kanjiFamily     = strings.Split("山川田中木本野原村林森松高石井上下島岡藤橋沢谷口北西東南宮崎浜坂江池竹杉桜菊", "")
	kanjiGiven      = strings.Split("健翔大真由陽拓美結彩優蒼悠咲凛颯湊紗", "")
	kanjiMaleEnds   = strings.Split("郎太介也樹斗人平", "")
	kanjiFemaleEnds = strings.Split("子美奈香花音菜乃", "")
	kana            = strings.Fields("か な み ゆ り さ こ は る ひ と え が ぎ ま し")
)
