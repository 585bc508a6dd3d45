#!/bin/sh
# Regenerate the kiosk's Mandarin voice clips in assets/sounds/ (committed, so the kiosk and the
# tests never need espeak). Needs espeak-ng and sox (apt-get install espeak-ng sox).
# Output: 16 kHz mono 16-bit WAV, leading and trailing silence trimmed. Same input, same files:
# the clip list below is the one kiosk/ui/voice.py joins (digits, letters, 十/百, phrases).
set -eu
cd "$(dirname "$0")/.."
OUT=assets/sounds
VOICE=${VOICE:-cmn}
SPEED=${SPEED:-150}
mkdir -p "$OUT"

clip() {  # clip NAME TEXT
    espeak-ng -v "$VOICE" -s "$SPEED" -w "$OUT/.raw.wav" "$2"
    sox -R -D "$OUT/.raw.wav" -r 16000 -c 1 -b 16 "$OUT/$1.wav" \
        gain -3 silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse pad 0 0.04
    rm -f "$OUT/.raw.wav"
}

for d in 0:零 1:一 2:二 3:三 4:四 5:五 6:六 7:七 8:八 9:九; do
    clip "d${d%%:*}" "${d#*:}"
done
for l in A B C D E F G H I J K L M N O P Q R S T U V W X Y Z; do
    clip "letter_$l" "$l"
done
clip shi "十"
clip bai "百"
clip qing "请"
clip hao_dao "号到"
clip hao_chuangkou_banli "号窗口办理"
clip rate_prompt "请您对我的服务做出评价"
clip thanks "谢谢您的评价"
ls -1 "$OUT"/*.wav | wc -l
