from enquiry import create_app

app = create_app()
