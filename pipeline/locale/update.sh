#!/bin/sh
# The message catalogue after a message changed in the code (pipeline/messages.py says how it is organised):
# extract every marked message into xuexi.pot (sorted, without line numbers: moving code changes nothing), merge
# it into each language's xuexi.po (fill in the new entries there), compile the .mo files the package reads.
# Needs Babel (pip install babel).
set -e
cd "$(dirname "$0")/../.."
LOCALE=pipeline/locale
pybabel extract -F $LOCALE/babel.cfg --no-default-keywords -k _:1 -k N_:1 --no-wrap --no-location --sort-output --project xuexi \
    --copyright-holder "xuexi" -o $LOCALE/xuexi.pot pipeline
for lang in en zh_CN; do
    if [ -f $LOCALE/$lang/LC_MESSAGES/xuexi.po ]; then
        pybabel update --no-wrap --no-fuzzy-matching -D xuexi -i $LOCALE/xuexi.pot -d $LOCALE -l $lang
    else
        pybabel init --no-wrap -D xuexi -i $LOCALE/xuexi.pot -d $LOCALE -l $lang
    fi
done
pybabel compile -D xuexi -d $LOCALE --statistics
