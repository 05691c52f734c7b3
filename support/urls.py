from django.urls import path

from support import views

app_name = "support"
urlpatterns = [
    path("", views.ticket_list, name="ticket_list"),
    path("new/", views.ticket_new, name="ticket_new"),
    path("contact/", views.contact, name="contact"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<str:number>/messages/", views.ticket_messages, name="ticket_messages"),
    path("tickets/<str:number>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<str:number>/reopen/", views.ticket_reopen, name="ticket_reopen"),
    path("tickets/<str:number>/rate/", views.ticket_rate, name="ticket_rate"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    # Agents (staff)
    path("agent/", views.queue, name="queue"),
    path("agent/bulk/", views.bulk_action, name="bulk_action"),
    path("agent/stats/", views.stats, name="stats"),
    path("agent/tickets/<int:pk>/", views.agent_ticket, name="agent_ticket"),
    path("agent/tickets/<int:pk>/messages/", views.agent_ticket_messages, name="agent_ticket_messages"),
    path("agent/tickets/<int:pk>/canned/", views.canned_reply, name="canned_reply"),
    path("agent/tickets/<int:pk>/reply/", views.agent_reply, name="agent_reply"),
    path("agent/tickets/<int:pk>/assign/", views.agent_assign, name="agent_assign"),
    path("agent/tickets/<int:pk>/priority/", views.agent_priority, name="agent_priority"),
    path("agent/tickets/<int:pk>/resolve/", views.agent_transition, {"action": "resolve"}, name="agent_resolve"),
    path("agent/tickets/<int:pk>/close/", views.agent_transition, {"action": "close"}, name="agent_close"),
]
