from django.urls import path

from . import views

urlpatterns = [
    path("unilogin/login/", views.login, name="unilogin_login"),
    path("unilogin/login/callback/", views.callback, name="unilogin_callback"),
]
