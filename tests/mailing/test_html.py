from relance.mailing.html import text_to_html


def test_the_html_part_is_built_from_text_with_paragraphs_and_lists():
    html = text_to_html(
        "Bonjour,\n\n- FC1 : 10 €\n- FC2 : 20 €\n\nMerci\nLa compta", title="T"
    )
    assert "<p>Bonjour,</p>" in html
    assert "<ul" in html and "<li>FC1 : 10 €</li><li>FC2 : 20 €</li></ul>" in html
    assert "<p>Merci<br>\nLa compta</p>" in html
    assert "<title>T</title>" in html


def test_text_never_becomes_markup():
    html = text_to_html('Client <script>alert("x")</script> & fils')
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; fils" in html
