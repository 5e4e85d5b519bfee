from django.core import mail

from tests.campaigns.conftest import recipients_of, send_now
from wagtail_gdpr_mail.models import CampaignStatus, DeliveryStatus


def test_sends(campaign, subscriber):
    a = subscriber("a@example.com")
    subscriber("b@example.com", holds=False)
    mail.outbox.clear()
    assert send_now(campaign) == 1
    assert recipients_of() == ["a@example.com"]
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert campaign.deliveries.get().status == DeliveryStatus.SENT
    message = mail.outbox[0]
    print(message.anymail_test_params)
    assert a
