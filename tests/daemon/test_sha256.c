/* test_sha256.c - SHA-256 against FIPS 180-4 / NIST vectors and Python's
 * hashlib; the constant-time comparison. */
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "vx_test.h"

static void hex_of(const void *data, size_t len, char hex[65]) {
  unsigned char digest[32];
  vx_sha256(data, len, digest);
  vx_sha256_hex(digest, hex);
}

static void check(const char *msg, size_t len, const char *want) {
  char hex[65];
  hex_of(msg, len, hex);
  CU_ASSERT_STRING_EQUAL(hex, want);
}

static void test_empty_message_matches_fips_180_4(void) {
  check("", 0,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  char hex[65];
  hex_of(NULL, 0, hex); /* NULL is allowed with length 0 */
  CU_ASSERT_STRING_EQUAL(
      hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_abc_matches_fips_180_4(void) {
  check("abc", 3,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_448_bit_message_matches_fips_180_4(void) {
  const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CU_ASSERT_EQUAL(strlen(m) * 8, 448);
  check(m, strlen(m),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_896_bit_message_matches_fips_180_4(void) {
  const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
  CU_ASSERT_EQUAL(strlen(m) * 8, 896);
  check(m, strlen(m),
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_one_million_a_matches_fips_180_4(void) {
  size_t n = 1000000;
  char *m = malloc(n);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  memset(m, 'a', n);
  check(m, n,
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free(m);
}

/* hashlib.sha256(bytes((i * 131 + 17) & 0xff for i in range(n))) for
 * n = 0..200: every padding case (one or two final blocks, the length
 * straddling a block boundary) and multi-block messages. */
static const char *const by_length[201] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", /* 0 */
    "4a64a107f0cb32536e5bce6c98c393db21cca7f4ea187ba8c4dca8b51d4ea80a", /* 1 */
    "b27fc04e05a940672b77fb0d1aaf6a1f6e3675603da78e6791a66b6523c46fd4", /* 2 */
    "abf0f7ab4223b86bbafb06e42d0caf0e889d27619b946d440a128bb405b7c5a3", /* 3 */
    "ffb784f8e9cf0bbfd424d01f19905f8eff5a35f75e087690051ad68b6b9563f0", /* 4 */
    "10157d5b3d86242445304e798113a96008b9ccae5e57173fd30511d21c0be73c", /* 5 */
    "98d3811d36eeec541245a52b241f86a856c97d7c97eef864533c84e1a1697431", /* 6 */
    "3ee1a2306d13d6997cfc2dd52277bf6e774e81900ca5be136a1e046486840aa5", /* 7 */
    "70b2e14f70fd3234f412fae3621544f1f8f5e24c680a509127169cd210ae8485", /* 8 */
    "5c1391db1149b7ac60af9139b58b30ed4a32ed81566669db36902a5e0a0fe291", /* 9 */
    "214cf32388ec47f45a82eed143dd85a86358f4c033f7f0af476ff67393dfbc40", /* 10 */
    "3760a3a9ed866dcb3d5efed822f61f998e7ac8523463c5776efe3b2cc2f5ca3e", /* 11 */
    "c2201fc0ebc8218016cafbbdd610170f629ade25d250d5438b7b604d75d48cda", /* 12 */
    "a6688f634de5930299b1d4c6dd572ec20105fb3ad49280072ff1a4c687ca32a2", /* 13 */
    "35844a0d1fb32f1cf19dfcbbe6aee21830e44370fb4e5a1cad2faeb337624327", /* 14 */
    "d91cde494d51b569990c2f98ee65c512aa5dd8dd8537a5cbcb178eccf4c6ebc3", /* 15 */
    "c9942f160dfb01c00e4672a6ee96d2b0f2e210b35d12001fac79cc8a4519afda", /* 16 */
    "6439f3d1c69dd4bc86d09bce2f09aedd6a3e83aaf7ccd762c4d37faa89f2812b", /* 17 */
    "4d040066e5941ae7b76efd449e4e6d050b232a7c4789113c2bd3869bcdd4480e", /* 18 */
    "0faf8f62869bfa0fd8ee91a4ea177795a8fc33f509123e6f492ac4073e24a382", /* 19 */
    "f58143bf5b77982b73d1c741af3635f10caeedc3a1e33fff3698e281d58cc7bd", /* 20 */
    "724a58bfe7fc41c8267fda7ca64a7a5e50651eb11660817f6fa6b47b6a3c8711", /* 21 */
    "555147b4c83ef685873c7fd105a4f8ef6b4b461ac7b9c173ad17a18baa13af14", /* 22 */
    "12480cb4341b9b17418d6b40f0488957d7e5b52fc8f13bf79711f1129b8ee751", /* 23 */
    "324fb48553e14e7aa86274c1682c1569984c8c4e106040e56a67da8cbe850820", /* 24 */
    "eade11a781e2645182382620b1b03460f7d33c1078e474ae945d7632e8f44375", /* 25 */
    "a7df2312a99153ecd621f14d5cd4e382eaaf9779e3e32308b19ee898ebf509b0", /* 26 */
    "15cc3ec13d71813316010f99c914fdad50ae774023bd71ca1e1fe9fa8627b570", /* 27 */
    "6406bec206605e11c248aefe8e2cae8f48ef159d6aea19ae065df5adbca057cd", /* 28 */
    "a34757df66485dd75e24fd33b96e1fe52eb8769dde66d3a817c4d53071e7c70a", /* 29 */
    "f5a2b6f64401bd9e6fc037ad6968a34fef121a83fd245257bc002e05d3b881b9", /* 30 */
    "6ea6885aff3c2e1f196ab8148e50e24b0262bcabafac4c84d3c64c79eecc2019", /* 31 */
    "43599ef388fde687ef9376c222e271b733efb0b6982a7810af4a0cbd5a0050e3", /* 32 */
    "494429bb371f5d9fbd3d20a65986a827a6f0059deeb28b157d5a42b82d2f00b4", /* 33 */
    "7436b3a8d313db50deeee33e033e47a44e6a563106cb6ef6743c7dc6df1c95c7", /* 34 */
    "cf04be152c90f42314269b57e6bf914aecf99f86762930a1696f272462f7e55c", /* 35 */
    "749a9a82beae52cb696d0df8e5610dadab9ac95e97e21f64edb45d98dda81b58", /* 36 */
    "c30bff7c2ba7aae5d7cc3be8ef9792a1b9065ec0e12f9184fa0441bb0ca37cc2", /* 37 */
    "a905318f0b64c80751330b539933a7844db92d8e089a35d4b5f0e2edd87d3698", /* 38 */
    "b8f12c9c63a31d9ba86855d67d2865150512991f00165dcd0d2c77298774dce8", /* 39 */
    "b900741072007151182f6932b01931702c963bce3fed81e5b4110abe7c945e60", /* 40 */
    "a0c828441b2855ff2485951b30343429ba2c06ae5cbbfab25c24b885b91e3566", /* 41 */
    "19e277891b14304ed2f852b28e2ce96bbe4dce3652e0be2872fe851e4e5d268e", /* 42 */
    "6966eb0c7cb7eb3690fef51189e529b34a7b272391b46966e1a2bdf9f39929e5", /* 43 */
    "60c5541610eea9cd959d903c5aa7d6e8efe6d91a7a441234a3f1c4788d364bef", /* 44 */
    "0e7e7ff2820d21753dfedfdb1f11a03d28f2fcf2559ef8e26bc58762503d1685", /* 45 */
    "f7a20fe55678454a7bac3a5b8058095dafff206efaccf7f9b61b5bfdf4f6bf93", /* 46 */
    "a257eec111623c7dc8c1412a38157938a404e0bf2c0f65caaa7fb8d082f6027c", /* 47 */
    "abc45df808ba3bc4bd649b11e1958c84e31ef2222cab8850282d566a2fb935a9", /* 48 */
    "ca2e082bf41e14cbb236a09d6b99ab1795c778c1e6bbdbcb67a94851fed13630", /* 49 */
    "e85d87412f2bad0061141882cb5fe36edd307a13b5d8ebaccfcd388298a71b0a", /* 50 */
    "701a5b8842232bd6dc9410e2149ab7dd163691a099d1632226c481955a7e24d9", /* 51 */
    "c749a8e7754a566793325fea7ee41e327da7f4f596369f72261fe2c21c5f9013", /* 52 */
    "413c0b82fcc7d0f0968900e6847f716a282af90bc35a387d0dc4d4ac9208af0b", /* 53 */
    "062c8cbf558ef611460f937af8cc068eaec095599b7ab5d1af6dd40f84b356cf", /* 54 */
    "59aaae80b8e7958f5757b4ac9274f1fd57ec0dc7aa8349319102316781b92006", /* 55 */
    "dca902d31487ffab357ce36cc5abc6947fbb69127ec04c468ba5687268c4bf7c", /* 56 */
    "ca0042f1f8b6a02ba5a30af121a9b69daa34b07bb22b2b320c05abe21df875a0", /* 57 */
    "fcd6a25d6493ee2b046acf9403783904bbce648ac79772bcce63b993d657b0f0", /* 58 */
    "27104d92c213458a1db9052f1211ca4a44269912db70d8232e0f901dc2a4029a", /* 59 */
    "8ce2a14137e6cef65b0fa592fc6e1334b3ec98fb8c766e08f759c8b3d659db91", /* 60 */
    "8d035361646c6004c429462451b4e0c9eeb3f67a13d7434890a1a72eba8559c2", /* 61 */
    "1ed93a5bcf8df11b99b0c31dd80786dbe3301671d56edc77d3889ef7634f00f6", /* 62 */
    "b8e655e9e7ad413b96f0a371eb1d6db71dcca27f4eee35892517cbe4bfaa6f9a", /* 63 */
    "e5146be62accc56709594cb45c651b361df94f622cbb09b91ea3ca7a2060bd53", /* 64 */
    "4b6c6774f0cbcd776a90e187b9494e04ca880c0afe3ea1c5cad51c8bbcb41f74", /* 65 */
    "94980560faeaf1fba6ac84981a7165bf0f836cfcefdf1ab532506ba27dfe28f4", /* 66 */
    "fe23d4ebb52c5e843df9301d185e14c123593f6541b093e2e854ec4b7ec1b707", /* 67 */
    "bd7bcdac008f3dcc2555e4711354904f95683b7746582c490ad3bba0efd0b4ef", /* 68 */
    "195e213bf075093dca79f062650189f3821791c86c1eb5cd5f77923305a57759", /* 69 */
    "415d3c4c3a49ebe6c04a6a719b662a4ec242d14c97e1cfc9a915d09baa35b7ab", /* 70 */
    "1223c3cf7a5a89bd726e1887cb1d31e0b888758a4598d15881041425b17bbffb", /* 71 */
    "59ae68ae22c6adcb782f9d64c9af52863a4762507dc552ef024b8b2f58d012b1", /* 72 */
    "4f0d3e5d5ceffd51c03681d745fbb55d1019d4cfd1051a71fc159dc0f82b4de5", /* 73 */
    "924daaeaced864aadf6f856ff3eb4d7c78fb96c6bd82c3a2835ef55c93916c33", /* 74 */
    "d2df5d05ad779c754d5a26d238d83029b61a497e8ac186a974fc86f1f93159bc", /* 75 */
    "0b90de6855abfd29e982210b6481f6dd25829a93053dbb928120da8ac0f1c688", /* 76 */
    "4aa3798bb4e847fd3965a94acdefae9616589ee349ddb3b5d6339010f1dc6be1", /* 77 */
    "3858af071cdc315c612052524faba83bd7604256bbc6e52333f8083c92744fbb", /* 78 */
    "9f633559711fcb605b4dd18b6c69626add27a8cfca1098068f89e51de0e6d3a1", /* 79 */
    "3c4c433e83e4454379000b2b030a9bbbd024d92f15ff8bbd222ab47db9eb2464", /* 80 */
    "572ff9f0d64e6da636c53a78a2c40c93b47f64b94a48bc4a2fa7d55cf814b218", /* 81 */
    "4ee69eedaca99448db5d9073c1b2e40d856b8bf97866e29342fc1e715b34f7b4", /* 82 */
    "9d7a0632bdbae3210c6feca091baa478c633492bc746a72783ed894285e19ee4", /* 83 */
    "525f4e1b66890ae8c6a0ac98f4205a33bc2e46a16e1ca50a0585d110a349adc9", /* 84 */
    "8b964dc8b19df715c35c287f933d77bb72322327079f87ca7c2529e73e9338c0", /* 85 */
    "1aeaf7ea2da92f6a283ff5a9d49bf45d290bc923b994f2b90fe60716d09f7d60", /* 86 */
    "e2f38444623f74af5fc5ea6db3c0ee20f65fd7caa865dd705f1c9798a654e03c", /* 87 */
    "aeb5990839d8c83703591979c82458b9d037641464cd85d109ca9b43da116236", /* 88 */
    "4b4bd9840e06eb49158f9548567ab3100b0e793b0537c8a9a71652dc665efcb7", /* 89 */
    "670ed3679c941a514af3f54fd338f0aed0fa9a11c9f6d33d671a314681818a2c", /* 90 */
    "f65de77d25b2ea3f86310292c2582c650be242504698c620aed1031552dcd551", /* 91 */
    "cf8f7cd40c8a65c27989bb450e8fb4814f23718091293d17ee0e1a26ac56e992", /* 92 */
    "769f2373fd85eb33b2751e27db21976074d4a946c206cd7e2e92da9f14ca1d43", /* 93 */
    "36fe729e55fadd4d1503e0856956badcb0ce744d7f1af4ffc9f121f1dd040d30", /* 94 */
    "bec93e3fca6c438ef3b1c6e560ac31443cbc2c644567d0d73efe2b6de63e360b", /* 95 */
    "21a6c23f9d88eb205cf46624dbb5f78a39d393defb7aeb8458bb3f8fcc915c80", /* 96 */
    "3722dc87daaf57ad53d120a736a2782e8545389e1f74588c7837ea42385e6524", /* 97 */
    "22ff7ae0287d39afdea42ee3a1fd8f837b4b31a18350d33758fc75debf42da60", /* 98 */
    "e6d8a6d34444984beda8cff11690c57a6e691de49f5682b3bd8a1f09928500ff", /* 99 */
    "3083a7bd9018ee33c186d0c31e4f8a4564efc5b60eefd256cb020a02c548846c", /* 100
                                                                         */
    "360c7e0f83d2872def498c81ee6a9e12b78986630deedb017c4a6f540c8d0ef9", /* 101
                                                                         */
    "b0002f1bd6d2d0e6880b55ccd89963b5b054a81a4f8cbde46650311b314455a2", /* 102
                                                                         */
    "bf127f265bf1f35e982778d570af8cbbbd1441a55562bd2ed2575a48ee40d702", /* 103
                                                                         */
    "c90b08969867a2b5c3cc0baa8aae26baf7f59ca759a7317b7df7ea90d1623237", /* 104
                                                                         */
    "2f80a71bac1a28161c30b5be4a0e1f79cbcf355d172ef89cdf805ea31ba6b981", /* 105
                                                                         */
    "8ea30b33742aa3c5dd49f74bec410f3d9189fed8da86980e0a63c466d0a97c93", /* 106
                                                                         */
    "f0659bb9de29d58e9326809d866f45ab71f655f3903af34a7e68d68379ff1a5d", /* 107
                                                                         */
    "903a60318bd30082d532b5449fadad180a9875baa95eade1fcb701d49db8c911", /* 108
                                                                         */
    "fa7c7ef79f3c0c38ee6d832e50ae7fea852e3ed896baa69162b38d9f38fb4c44", /* 109
                                                                         */
    "a1f2506e91fc4a6f800bbe71345c9b0b03898fdb099484bd96fab7327c5ebabb", /* 110
                                                                         */
    "e10996bd86a024f96eeb80e4881768a8b13419689a0590b83dd8557380ffa513", /* 111
                                                                         */
    "fbe78143adb8f8a89b71be02156e5f1d8a536d038cef5b609cde6cc7930a07c7", /* 112
                                                                         */
    "e1f8b21e1d053dbcce4415a22578d1fccd5de59ac7e18011d8a6241b997ea631", /* 113
                                                                         */
    "3bc0a4b39bba635094eb66294a124a035f621ba36e7907939284ff6af7f8fa3f", /* 114
                                                                         */
    "4c2c88b68dedae1fd2496ccafbcc6b7e520313818b2be38d6a14bf4faaab65a5", /* 115
                                                                         */
    "edbf32830700476564120bc575ba55437cd9d35c3e026eea4c5fa576459a99ca", /* 116
                                                                         */
    "0546108cf26ac61eff2bc456c69b756fba4cae1921d3f6a6c0cac96382753a64", /* 117
                                                                         */
    "47f9809af2ef4de66b462db2c7607bedb524b9112b6ff4eed1d2a04939747922", /* 118
                                                                         */
    "3244509f8746f6fb511ca8a72a292a4d7d12e456cce283c03f169dbbcb0d512e", /* 119
                                                                         */
    "c5236e50172da3b69c903dcd3b3bb8ce855182f79364d1b59ed36367aa25e468", /* 120
                                                                         */
    "2a6c4ca54a436f1578c38ea6f16047e4c5919b8b9efc2612f32a0e7f178d1352", /* 121
                                                                         */
    "eb468e5f0234bb0c7835a0ad43acb901deb9f5ec5924671b903c54259db1879b", /* 122
                                                                         */
    "6f74be9e108720e97c5baad5d81742063b941f251f29b1e7545f6c2912a79336", /* 123
                                                                         */
    "7363b236872c679604afd45fdc8bd60602247a83c8c11d3b142c073a62eb3f77", /* 124
                                                                         */
    "9e5693a57a1afb72d515ddfce1cd6facb705572c506c8dbedb5096d97fc83351", /* 125
                                                                         */
    "14d888a08ee3b7a5e1570215383ad708f122df4c4509532d64ba8dea53d8242f", /* 126
                                                                         */
    "b4f5398bf618d741f2ab0f6e2fcde06f4949c20d476b5f6e1d4bf8618bc8973a", /* 127
                                                                         */
    "ed045c7c319e0c9286e1dea21c80bfd4a08eca43e02e13ee8a7a2c8b4b2baec9", /* 128
                                                                         */
    "d6f2fca0407b3f98c9ce29ae92a6cdf489506450fdbb29172f6b18987bc685db", /* 129
                                                                         */
    "3d09e03a23e37dbe166913979cd609407499b4ca7679491be869bddc0e0ed8f4", /* 130
                                                                         */
    "4c30a79358a09edc0c862dcf4dd4685ce2114e485b4158e50fb659b7db824536", /* 131
                                                                         */
    "e714feda74f9817e931759d5aac0e819814cd45a7ef39ee55222030b02f55cf6", /* 132
                                                                         */
    "b75d0ad2ac3fea67d19f05e2b472547785e2c4c49b06ad993c4f36258d317c2e", /* 133
                                                                         */
    "adb7ede63d1efda17d1f8cb16773d07114dc1ad054b1a408d253474af289f239", /* 134
                                                                         */
    "0037dd589349fd42056bf9487b07db552bd78ef4e156e8ca0dd3428b86415f07", /* 135
                                                                         */
    "e5e4c62fb9786988e90a6cc91698b3b9e3a2179ebae3466674800da4a9d7d70b", /* 136
                                                                         */
    "bf66a13e68481fcf295ae3ad83da398687ae3ffabdd3e0ff09e8440ba83a1442", /* 137
                                                                         */
    "da413927b266fdddf2fb700cba7874481eb2e210014f70d971c5222fe8c98783", /* 138
                                                                         */
    "348a6c58f16167ef4b1fd8dac85a45872e205a120004dafcced25b2a91ccec96", /* 139
                                                                         */
    "b9369d97d4111a07f7b7d94ac279996a6a2eb1ae816b962a13d921b336873ef0", /* 140
                                                                         */
    "3ac69ba4413b5857ae17cc9e7d3add23b74781280f787bb0745e4c6c08aaf5b2", /* 141
                                                                         */
    "ee3e753c0fdd9dc8f692c12c1206042a06853350b999b92e80e28df8af9a91e7", /* 142
                                                                         */
    "5e4ae10e621867fdf59a43dea7cd107fa8dcedfdedd72bfdcd81570d79eb312d", /* 143
                                                                         */
    "dfb58b3567dfe7382912e6ac55c0667654a656e86ddeb26b5cff43dd4e5d0c1e", /* 144
                                                                         */
    "3d6d5734d5dfe6cb77f6e4f4892712be84b8d81c34b664514604ca820dbc7ceb", /* 145
                                                                         */
    "e87bdc4f02b2420e6f83cf3e897f38fb99f3511c783c10d38abd7fa2e291c1d6", /* 146
                                                                         */
    "23f63065fdc07c0ec9d72340ff0b6bd60e914d588454b461d84786295d6a22e0", /* 147
                                                                         */
    "f3cb76232b0729f1affae5d53ebf33775a77c0f8250f3da6b581b42b2c639f42", /* 148
                                                                         */
    "1b326bbbe8b92c671237bd6f7af70e003a6c81bcb742071e9f5ff9062aed0c63", /* 149
                                                                         */
    "b7408eb0ae877fcf4c85080c912d3b19aa7eeea6a2ff2af723ea337af5835d4a", /* 150
                                                                         */
    "d1d4c111ba3d87cbc52d065233fd052ce95e7a8a7db777849b0394fc43a01da2", /* 151
                                                                         */
    "14030d0f97cc354f8a0ead6a5479e99027b1e45a2ee3ed048f38368e725bbd0a", /* 152
                                                                         */
    "fa46beab3449016598902141fb279a98de2a9692e1b8eeb9a766fe9e6b3f5ef4", /* 153
                                                                         */
    "5281c94027efdb60c3c89c95107a50274d5b9ca603a88cf8b66c03f19fbc6541", /* 154
                                                                         */
    "bf2aaba500fb162bab60f55f31101c16ba5d18254d8019e3dda33f2d560b5138", /* 155
                                                                         */
    "2a3ed36fc20d0a4dfe752d51b4305f14c7a27c69e1a60c2d6b7af434cbc0d48b", /* 156
                                                                         */
    "9902caebeb5f4809510ef033b9eb91dd629cfa240e8fd7b813b6ea32f9d96c34", /* 157
                                                                         */
    "3239238d7564b00f06fb6f5ca4b8812c8a6475163f70e927d1a1d55a618b5e2d", /* 158
                                                                         */
    "223afd73b491da4b9c16692c950da094bdb3d7cd7163c928e2a8dc0ccdf1a9b3", /* 159
                                                                         */
    "1b43b71e950114045b5fff59be620e53289732b183867e5b3b6fa355aa418f2a", /* 160
                                                                         */
    "ae373db18fb35e7325c958568f6e41b4a1ca288cb304676792d61cb62b82bde3", /* 161
                                                                         */
    "5c7a9bce065609be6d080a074fd923febc1786369031f6c3e698d8e6cb99cbaa", /* 162
                                                                         */
    "247c30003dc9ebc6786f13c2e0021ab68924328315666919429c9ea844a2ca13", /* 163
                                                                         */
    "015a1298f86de131842fcc0ce7fc2ae58c87f0cca6379e5e2ece988cbab18a6c", /* 164
                                                                         */
    "8d8b9b6fa827580317ccf1278cf1a7086505ced82820955792209352703d531c", /* 165
                                                                         */
    "15b97176aa5caeb463ec651dd75b082598479946ed7e681d9e9a26db9cd1a02c", /* 166
                                                                         */
    "d2327b326fabd821d6a00b7f143e7480ad2bd28a09fbcdb0836dbade40c3e912", /* 167
                                                                         */
    "e81538ff601bb6f92d905fbdfaf3e08c8389d1e1b87e02c814bb03663016bf91", /* 168
                                                                         */
    "8e1cfdda01f7dab0d99f1e7d5a035656b7fbcdb960c0153038cabcb83009bda1", /* 169
                                                                         */
    "64546c5865eaa8817a104d4e709c8c329c4abfc9fb846813056d2ecb63937fab", /* 170
                                                                         */
    "117f7b936fcdb861209cb8c3aec3538e6438c920e4a16291904f8d7e94a0dcfc", /* 171
                                                                         */
    "0c4db565616d866a91811ee14c6157073e683826ddc59ec5169ffa0e761d7228", /* 172
                                                                         */
    "9254baa0c57ddd8eab09b7e667bb1aa2dd994e3e4696d4b43da66684d23f9d3f", /* 173
                                                                         */
    "c53d65f8b8758dc07a836aa44a251fb9e44ba187f4b485f5ec3a46475cf96534", /* 174
                                                                         */
    "bea3c4087b799896cbbbe262ac9caf5caad50a9441031932d025dcdd9e13fa47", /* 175
                                                                         */
    "54409ac49e6d406e24d68dc37b8bbc44f0d9cd86ae79ad728aae4732d335e576", /* 176
                                                                         */
    "eb7c720970dd25f26fac7f7f2e9c38473876165d3f35430ac6bacfa6f2ca41eb", /* 177
                                                                         */
    "f49e11c23f7dd883758912c4a740084d965b78bcbebb8780fc0ccef9bc17bbe7", /* 178
                                                                         */
    "57f255afcd3fd1f4b37467a71bcf85bcef64aec189ddc5e19f10ea04a93ea6a0", /* 179
                                                                         */
    "b45c9cdb41c3aabd27db9c219ccf11ae83a3c72913cc390c145633d68824cfe4", /* 180
                                                                         */
    "f1525a0148d07ce15c2c70748740dc3231e05437454ef1f8bb8a0cb8c3006baa", /* 181
                                                                         */
    "88a0fc507151b06c3dc533d0aa39dfe027287e342554146ed3e7026473bd3fc6", /* 182
                                                                         */
    "2d01c3b194556ba9a3989f35886f34cc9dd1e8831d9dcd63196c605d54ba696a", /* 183
                                                                         */
    "d45f3e999af00bc3cc64a6fcd2c5c84713d90d03deeec5aa1a846834a8507fbb", /* 184
                                                                         */
    "414aa639dfb61f4d0cbf09b88af0aaf710abbef4c72805f9c812bc825f522f65", /* 185
                                                                         */
    "2397ca51a36463df464a9b4697d7e12e3a7224c6475a64abc11c33ec0b876e10", /* 186
                                                                         */
    "3c4537162ff504a26c017d63f2ddaa55b860a2ad9a150c52e4cea2e092d30c06", /* 187
                                                                         */
    "312e765068440296cc009dce1aebe89ccb567a5b446c5f44c2d7a1e84f262950", /* 188
                                                                         */
    "b3deb66eb2ae3b168232c1f4c639311eea742970e2c2a023e35604ab22f9ce4a", /* 189
                                                                         */
    "143c5f421ccc001ab7ec3fffe002206e49fec2c42dc9aaf54967b90ddb5b1d3e", /* 190
                                                                         */
    "00af7b33f72858e0d223bbcee20ef162437e564eb44efe4162a9bbbb3c0004d6", /* 191
                                                                         */
    "7776a75a86892f7da72a4ea8251b900cfcc38a93fd27894d16560bd3587a287a", /* 192
                                                                         */
    "6e0d823bd3f43c2a80dd37bb7ce7ffbe68945de278b741bcc6b0174606c0289e", /* 193
                                                                         */
    "14b0b2587a19257be11230e04308e982c7ceda91415f208d87a2f298da65d3e7", /* 194
                                                                         */
    "9847dc3e2c62149aea5443dd219dbcc566af179e51f406cfddeabd05105aeabe", /* 195
                                                                         */
    "10e3f698fbefb23679864cb9b6f1eeee0c0cd7409d885b591c13802945deac1d", /* 196
                                                                         */
    "ec4a080df11c112ccdea98380bf9232a2fe44be2bf046696c2d53d5d2d989580", /* 197
                                                                         */
    "527558f7fe2695c012e22e2ebf0ff0ad32bcf3941f89a7fadf55ef768af3ddc8", /* 198
                                                                         */
    "556d4ae070c6e064f93956855184b1f71eb99c224b47381cc326f6265cb12b38", /* 199
                                                                         */
    "13475518cdfab8416d6b77c1ed10712f1eddcaa6d053fe954cf46cbff206df1c", /* 200
                                                                         */
};

static void test_lengths_0_to_200_match_hashlib(void) {
  unsigned char msg[200];
  for (size_t i = 0; i < sizeof msg; i++)
    msg[i] = (unsigned char)((i * 131 + 17) & 0xff);
  for (size_t n = 0; n <= 200; n++) {
    char hex[65];
    const char *want = by_length[n];
    hex_of(msg, n, hex);
    if (want != NULL && strcmp(hex, want) != 0)
      fprintf(stderr, "length %zu: got %s, want %s\n", n, hex, want);
    CU_ASSERT_STRING_EQUAL(hex, want);
  }
}

static void test_input_is_read_in_place_at_any_alignment(void) {
  /* The same bytes at an odd address hash the same. */
  unsigned char buf[201];
  for (size_t i = 0; i < 200; i++)
    buf[i + 1] = (unsigned char)((i * 131 + 17) & 0xff);
  char hex[65];
  hex_of(buf + 1, 200, hex);
  CU_ASSERT_STRING_EQUAL(hex, by_length[200]);
}

static void test_hex_is_64_lowercase_digits(void) {
  unsigned char d[32];
  for (int i = 0; i < 32; i++)
    d[i] = (unsigned char)(i * 8 + 7);
  char hex[65];
  memset(hex, 'X', sizeof hex);
  vx_sha256_hex(d, hex);
  CU_ASSERT_EQUAL(strlen(hex), 64);
  CU_ASSERT_STRING_EQUAL(
      hex, "070f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ff");
}

static void test_ct_equal_is_one_only_for_equal_bytes(void) {
  unsigned char a[64], b[64];
  for (int i = 0; i < 64; i++)
    a[i] = b[i] = (unsigned char)(i * 37);
  CU_ASSERT_EQUAL(vx_ct_equal(a, b, 64), 1);
  CU_ASSERT_EQUAL(vx_ct_equal(a, b, 0), 1);
  CU_ASSERT_EQUAL(vx_ct_equal("", "x", 0), 1);
  for (int i = 0; i < 64; i++) {
    for (int bit = 0; bit < 8; bit++) {
      b[i] ^= (unsigned char)(1u << bit);
      CU_ASSERT_EQUAL(vx_ct_equal(a, b, 64), 0);
      CU_ASSERT_EQUAL(vx_ct_equal(a, b, (size_t)i), 1); /* before it */
      b[i] ^= (unsigned char)(1u << bit);
    }
  }
  CU_ASSERT_EQUAL(vx_ct_equal("\xff", "\x00", 1), 0);
  CU_ASSERT_EQUAL(vx_ct_equal("\x80", "\x00", 1), 0);
}

static void test_ct_equal_compares_digests(void) {
  unsigned char d1[32], d2[32], d3[32];
  vx_sha256("secret-token", 12, d1);
  vx_sha256("secret-token", 12, d2);
  vx_sha256("secret-tokeN", 12, d3);
  CU_ASSERT_EQUAL(vx_ct_equal(d1, d2, 32), 1);
  CU_ASSERT_EQUAL(vx_ct_equal(d1, d3, 32), 0);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_empty_message_matches_fips_180_4),
      VX_TEST(test_abc_matches_fips_180_4),
      VX_TEST(test_448_bit_message_matches_fips_180_4),
      VX_TEST(test_896_bit_message_matches_fips_180_4),
      VX_TEST(test_one_million_a_matches_fips_180_4),
      VX_TEST(test_lengths_0_to_200_match_hashlib),
      VX_TEST(test_input_is_read_in_place_at_any_alignment),
      VX_TEST(test_hex_is_64_lowercase_digits),
      VX_TEST(test_ct_equal_is_one_only_for_equal_bytes),
      VX_TEST(test_ct_equal_compares_digests),
      {NULL, NULL},
  };
  return vx_test_main("sha256", tests, NULL, NULL);
}
